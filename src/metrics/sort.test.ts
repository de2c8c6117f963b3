import { describe, expect, it } from 'vitest';
import { seededUniform } from '../engine/random';
import { sortFloat32, sortFloat64 } from './sort.ts';


const SPECIALS = [0, -0, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38, -3.4e38, 1, -1];

function randomValues(n: number, seed: number): number[] {
  const r = seededUniform(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.05) out.push(SPECIALS[Math.floor(r() * SPECIALS.length)]);
    else if (u < 0.5) out.push(Math.round(r() * 40) / 8 - 2); // many ties
    else out.push((r() - 0.3) * 10 ** Math.floor(r() * 8 - 4));
  }
  return out;
}

const byNumber = (a: number, b: number) => a - b || 0;

describe('radix sorts', () => {
  for (const n of [0, 1, 2, 100, 20_000, 70_000]) {
    it(`sortFloat32 matches a numeric sort (n=${n}), payload follows its value`, () => {
      const v = Float32Array.from(randomValues(n, n + 1));
      const payload = Int32Array.from({ length: n }, (_, i) => i);
      const original = Float32Array.from(v);
      const expected = Array.from(original).sort(byNumber);
      const plain = Float32Array.from(v);
      sortFloat32(plain);
      sortFloat32(v, payload);
      // toEqual compares numbers with Object.is, so -0 must have been normalised to +0.
      const normalised = expected.map((x) => (x === 0 ? 0 : x));
      expect(Array.from(plain)).toEqual(normalised);
      expect(Array.from(v)).toEqual(normalised);
      let payloadMismatches = 0;
      for (let i = 0; i < n; i++) if (original[payload[i]] !== v[i]) payloadMismatches++;
      expect(payloadMismatches).toBe(0);
      expect(new Set(payload).size).toBe(n);
    });

    it(`sortFloat64 matches a numeric sort (n=${n})`, () => {
      const v = Float64Array.from(randomValues(n, 2 * n + 7));
      const expected = Array.from(v).sort(byNumber);
      sortFloat64(v);
      expect(Array.from(v)).toEqual(expected.map((x) => (x === 0 ? 0 : x)));
    });
  }
});
