import { describe, expect, it } from 'vitest';
import { FUSIONS } from './fusion';
import { validateModelMeta } from './model-meta';

function metaWith(fusion: string): Record<string, unknown> {
  return {
    formatVersion: 1,
    kind: 'rd4ad-student',
    teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: [{}, {}, {}] },
    student: {},
    inputSize: 64,
    map: { sigma: 4, fusion, upsample: 'bilinear-half-pixel' },
  };
}

describe('fusion modes in meta.json', () => {
  it('accepts every known fusion and rejects an unknown one by name', () => {
    for (const f of FUSIONS) expect(validateModelMeta(metaWith(f)).map.fusion).toBe(f);
    expect(() => validateModelMeta(metaWith('max'))).toThrow('meta.json: unknown map fusion "max" (known: sum, product)');
  });
});
