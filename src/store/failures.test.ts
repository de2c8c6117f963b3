import { describe, expect, it } from 'vitest';
import { describeFailure, withName } from './failures';

describe('failure text', () => {
  it('describes failures from the worker and the decoder', () => {
    expect(describeFailure(Object.assign(new Error('gone'), { kind: 'out-of-memory' }))).toEqual({ kind: 'out-of-memory', message: 'gone' });
    expect(describeFailure(Object.assign(new Error('bad'), { reason: 'truncated' }))).toEqual({ kind: 'image', message: 'bad' });
    expect(describeFailure('weird')).toEqual({ kind: 'internal', message: 'weird' });
    expect(withName('a.png', 'too small')).toBe('a.png: too small');
    expect(withName('a.png', '“a.png” is too small')).toBe('“a.png” is too small');
  });

  it('describes storage failures', () => {
    expect(describeFailure(Object.assign(new Error('quota'), { kind: 'storage' })).kind).toBe('storage');
  });
});
