/**
 * `npm run train` sets the threshold the way the browser's Teach does: every 5th image is held out of
 * training and calibrates it (src/metrics/normal-calibration.ts); `--calibration training` trains on
 * every image and takes the optimistic rule on their own scores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelMeta } from '../src/engine/model-meta';
import { calibrateFromNormals, HELD_OUT_RULE, OPTIMISTIC_RULE } from '../src/metrics/normal-calibration';
import { png, runCli } from './lib/cli-test-support';

interface TrainScores { files: string[]; scores: number[]; heldOutFiles: string[]; heldOutScores: number[] }

function train(dir: string, out: string, extra: string[]): { meta: ModelMeta; scores: TrainScores } {
  const r = runCli('train.ts', ['--data', dir, '--out', out, '--size', '64', '--epochs', '1', '--quiet', '--threads', '1', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return {
    meta: JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as ModelMeta,
    scores: JSON.parse(readFileSync(path.join(out, 'train-scores.json'), 'utf8')) as TrainScores,
  };
}

describe('npm run train: threshold calibration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rd-calib-'));
    mkdirSync(path.join(dir, 'cat/train/good'), { recursive: true });
    // 7 stripe textures of different phase: scores differ from image to image.
    for (let i = 0; i < 7; i++) {
      writeFileSync(path.join(dir, `cat/train/good/00${i}.png`), png(48, 48, 0, (x, y) => 100 + Math.round(60 * Math.sin((x + 2 * y + 3 * i) / 3))));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds out every 5th image by default and calibrates on it', () => {
    const { meta, scores } = train(path.join(dir, 'cat'), path.join(dir, 'held'), []);
    expect(scores.heldOutFiles).toEqual(['train/good/000.png', 'train/good/005.png']);
    expect(scores.files).toHaveLength(5);
    expect(meta.dataset.trainImages).toBe(5);
    const expected = calibrateFromNormals(scores.heldOutScores, scores.scores);
    expect(meta.calibration?.rule).toBe(HELD_OUT_RULE);
    expect(meta.calibration?.optimistic).toBe(false);
    expect(meta.calibration?.threshold).toBe(expected.threshold);
    expect(meta.calibration?.heldOutScores).toEqual(scores.heldOutScores);
    expect(meta.calibration?.n).toBe(2);
  });

  it('--calibration training trains on every image, with the optimistic rule', () => {
    const { meta, scores } = train(path.join(dir, 'cat'), path.join(dir, 'all'), ['--calibration', 'training']);
    expect(scores.heldOutFiles).toEqual([]);
    expect(scores.files).toHaveLength(7);
    expect(meta.dataset.trainImages).toBe(7);
    expect(meta.calibration?.rule).toBe(OPTIMISTIC_RULE);
    expect(meta.calibration?.optimistic).toBe(true);
    expect(meta.calibration?.threshold).toBe(calibrateFromNormals([], scores.scores).threshold);
  });
});
