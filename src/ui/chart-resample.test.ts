import { describe, expect, it } from 'vitest';
import { grid, resampleStep } from './chart-resample';

describe('resampleStep', () => {
  it('takes the highest y reached at or before each grid x', () => {
    expect(grid(1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(resampleStep([0, 0, 0.3, 0.6, 1], [0, 0.5, 0.7, 0.9, 1], grid(1, 4))).toEqual([0.5, 0.5, 0.7, 0.9, 1]);
  });
});
