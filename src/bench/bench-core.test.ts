import { describe, expect, it } from 'vitest';
import type { TrainProgress } from '../worker/protocol';
import { benchQuery, parseBenchParams, projectTraining, trainingTimings, DEFAULT_BENCH_PARAMS } from './bench-core';

function ev(phase: TrainProgress['phase'], epoch: number, step: number, stepsPerEpoch: number, elapsedMs: number): TrainProgress {
  return { type: 'train-progress', phase, epoch, epochs: 3, totalSteps: 3 * stepsPerEpoch, step, stepsPerEpoch, loss: Number.NaN, epochLosses: [], elapsedMs, etaMs: Number.NaN, stepMs: Number.NaN };
}

describe('bench params', () => {
  it('reads the query with defaults and round-trips benchQuery', () => {
    expect(parseBenchParams('')).toEqual(DEFAULT_BENCH_PARAMS);
    const p = { ...DEFAULT_BENCH_PARAMS, backend: 'webgl' as const, images: 3, epochs: 1, size: 128, model: 'wood', reps: 2, renders: 5, learningRate: 0.01 };
    expect(parseBenchParams(benchQuery(p))).toEqual(p);
  });

  it('refuses bad values with the parameter name', () => {
    expect(() => parseBenchParams('?backend=cuda')).toThrow(/backend/);
    expect(() => parseBenchParams('?images=101')).toThrow(/images must be an integer from 0 to 100/);
    expect(() => parseBenchParams('?model=../x')).toThrow(/model/);
    expect(() => parseBenchParams('?lr=2')).toThrow(/lr/);
  });
});

describe('training timings', () => {
  // A made-up run: 2 steps per epoch, 3 epochs.
  const events = [
    ev('features', 0, 0, 10, 5), ev('features', 0, 10, 10, 1000),
    ev('training', 1, 1, 2, 1500), ev('training', 1, 2, 2, 1800),
    ev('training', 2, 1, 2, 2100), ev('training', 2, 2, 2, 2400),
    ev('training', 3, 1, 2, 2700), ev('training', 3, 2, 2, 3000),
    ev('calibrating', 0, 1, 10, 3100), ev('calibrating', 0, 10, 10, 3500),
  ];

  it('splits the run at the features end and at each epoch\'s last step', () => {
    const t = trainingTimings([...events].reverse(), 3600);
    expect(t.featuresMs).toBe(1000);
    expect(t.firstStepMs).toBe(500);
    expect(t.epochMs).toEqual([800, 600, 600]);
    expect(t.steadyEpochMs).toBe(600);
    expect(t.calibrationMs).toBe(500);
    expect(t.totalMs).toBe(3600);
  });

  it('projects linearly to 10 images × 20 epochs, paying the first-epoch overhead once', () => {
    const t = trainingTimings(events);
    // Measured on 10 images: features + calibration (1500) + overhead (200) + 20 × 600.
    expect(projectTraining(t, 10)).toBeCloseTo(1500 + 200 + 12_000);
    // Measured on 5 images (4 trained): features/calibration × 2, epochs × 8/4.
    expect(projectTraining(t, 5)).toBeCloseTo(3000 + 200 + 20 * 600 * 2);
    expect(projectTraining(trainingTimings([]), 3)).toBeNull();
  });

  it('with one epoch, steady is unknown and epoch 1 stands in for it', () => {
    const one = trainingTimings(events.slice(0, 4));
    expect(one.steadyEpochMs).toBeNull();
    expect(one.epochMs).toEqual([800]);
    expect(projectTraining(one, 10)).toBeCloseTo(1000 + 20 * 800);
  });
});
