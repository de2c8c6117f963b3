/**
 * Seeds and procedural noise for the synthetic datasets. Everything here is a pure function of its
 * arguments (integer hashing, no hidden state), so any pixel of any image can be recomputed alone.
 */
import { SeededRandom } from '../../engine/random.ts';

/** 32-bit integer finaliser (the avalanche step of MurmurHash3): nearby inputs give unrelated outputs. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, finalised with {@link mix32}. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** A seed for one independent random stream (`stream` = 1, 2, …) derived from a parent seed. */
export function streamSeed(seed: number, stream: number): number {
  return mix32((seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
}

/** A generator for one stream of a parent seed. */
export function streamRandom(seed: number, stream: number): SeededRandom {
  return new SeededRandom(streamSeed(seed, stream));
}

/** Uniform in [lo, hi). */
export function uniform(rng: SeededRandom, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Uniform integer in [lo, hi]. */
export function randomInt(rng: SeededRandom, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

/** Uniform in [0, 1) for an integer lattice point (or any pair of integers) and a seed. */
export function hash2(ix: number, iy: number, seed: number): number {
  return mix32((Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ seed) >>> 0) / 4294967296;
}

/** Uniform in [0, 1) for one integer and a seed. */
export function hash1(i: number, seed: number): number {
  return hash2(i, 0x5bd1e995, seed);
}

// Eight unit gradient directions; a lattice point picks one by hash.
const GRAD_X = new Float64Array(8);
const GRAD_Y = new Float64Array(8);
for (let k = 0; k < 8; k++) {
  GRAD_X[k] = Math.cos((k * Math.PI) / 4 + Math.PI / 8);
  GRAD_Y[k] = Math.sin((k * Math.PI) / 4 + Math.PI / 8);
}

function gradientDot(ix: number, iy: number, seed: number, fx: number, fy: number): number {
  const k = (hash2(ix, iy, seed) * 8) | 0;
  return GRAD_X[k] * fx + GRAD_Y[k] * fy;
}

/** Quintic fade: C2-continuous, so the noise has no visible lattice creases. */
function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

/** Gradient (Perlin-style) noise at (x, y), roughly in [-1, 1], zero at lattice points, period-free. */
export function gradientNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const u = fade(fx);
  const v = fade(fy);
  const n00 = gradientDot(ix, iy, seed, fx, fy);
  const n10 = gradientDot(ix + 1, iy, seed, fx - 1, fy);
  const n01 = gradientDot(ix, iy + 1, seed, fx, fy - 1);
  const n11 = gradientDot(ix + 1, iy + 1, seed, fx - 1, fy - 1);
  const a = n00 + u * (n10 - n00);
  const b = n01 + u * (n11 - n01);
  return 1.4 * (a + v * (b - a));
}

/** Fractal sum of `octaves` gradient-noise layers (each twice the frequency, half the amplitude), ~[-1, 1]. */
export function fbm(x: number, y: number, octaves: number, seed: number): number {
  let sum = 0;
  let amplitude = 1;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * gradientNoise(x, y, (seed + Math.imul(o, 0x3c6ef372)) >>> 0);
    norm += amplitude;
    x *= 2.03;
    y *= 2.03;
    amplitude *= 0.5;
  }
  return sum / norm;
}

/** Smooth 1-D noise (a slice of the 2-D one). */
export function noise1(t: number, seed: number): number {
  return gradientNoise(t, 0.5, seed);
}

export function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}
