/**
 * `npm run train -- --profile accurate` stores the nearest-neighbour bank (a weights entry + meta.evidence) and
 * calibrates the threshold on the fused map; `npm run eval` then uses that stored bank by default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelMeta } from '../src/engine/model-meta';
import { calibrateFromNormals } from '../src/metrics/normal-calibration';
import type { EvalReport } from './eval';
import { png, runCli } from './lib/cli-test-support';

const stripes = (phase: number) => (x: number, y: number) => 100 + Math.round(60 * Math.sin((x + 2 * y + 3 * phase) / 3));

describe('accurate profile (stored nearest-neighbour evidence)', () => {
  let dir: string;
  let model: string;
  let meta: ModelMeta;
  const evaluate = (extra: string[]): EvalReport => {
    const r = runCli('eval.ts', ['--data', path.join(dir, 'cat'), '--model', model, '--json', '--quiet', '--threads', '1', '--out', path.join(dir, 'eval'), ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as EvalReport;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rd-accurate-'));
    for (const sub of ['train/good', 'test/good', 'test/blot']) mkdirSync(path.join(dir, 'cat', sub), { recursive: true });
    for (let i = 0; i < 7; i++) writeFileSync(path.join(dir, `cat/train/good/00${i}.png`), png(48, 48, 0, stripes(i)));
    writeFileSync(path.join(dir, 'cat/test/good/000.png'), png(48, 48, 0, stripes(9)));
    const blot = (x: number, y: number) => (Math.hypot(x - 24, y - 24) < 8 ? 250 : stripes(9)(x, y));
    writeFileSync(path.join(dir, 'cat/test/blot/000.png'), png(48, 48, 0, blot));
    model = path.join(dir, 'model');
    const r = runCli('train.ts', ['--data', path.join(dir, 'cat'), '--out', model, '--size', '64', '--epochs', '1', '--profile', 'accurate', '--quiet', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    meta = JSON.parse(readFileSync(path.join(model, 'meta.json'), 'utf8')) as ModelMeta;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a bank of every place of the trained images and thresholds the fused scores of the held-out ones', () => {
    const e = meta.evidence;
    expect(e?.kind).toBe('fused');
    expect(e?.bank.vectors).toBe(5 * (64 / 8) ** 2); // 5 trained images × an 8×8 grid
    // the bank is one more entry of the weights manifest: [vectors, 128 projected dims]
    const manifest = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    expect(manifest.weightsManifest[0].weights.find((w) => w.name === 'evidence/bank')?.shape).toEqual([e?.bank.vectors, 128]);
    expect(e?.bank).toMatchObject({ dims: 128, sourceDims: 912, projectionSeed: 0 });
    expect(e?.rdScale).toBeGreaterThan(0);
    expect(e?.nnScale).toBeGreaterThan(0);
    const s = JSON.parse(readFileSync(path.join(model, 'train-scores.json'), 'utf8')) as { scores: number[]; heldOutScores: number[] };
    expect(meta.calibration?.threshold).toBe(calibrateFromNormals(s.heldOutScores, s.scores).threshold);
    // the divisors are the held-out images' mean scores of each evidence: their fused scores average 2
    const mean = s.heldOutScores.reduce((a, b) => a + b, 0) / s.heldOutScores.length;
    expect(mean).toBeGreaterThan(1);
    expect(mean).toBeLessThanOrEqual(2 + 1e-4);
  });

  it('eval uses the stored bank by default; --evidence rd measures the map alone', () => {
    const own = evaluate([]);
    expect(own.evidence).toBe('fused');
    expect(own.bank_source).toBe('model');
    expect(own.bank_vectors).toBe(meta.evidence?.bank.vectors);
    expect(own.evidence_scales).toEqual({ rd: meta.evidence?.rdScale, nn: meta.evidence?.nnScale });
    const rd = evaluate(['--evidence', 'rd']);
    expect(rd.evidence).toBe('rd');
    expect(rd.bank_source).toBeNull();
  });

  it('a bundle whose meta.json and weights disagree about the bank is refused with a reason', () => {
    const { evidence: _dropped, ...plain } = meta;
    writeFileSync(path.join(model, 'meta.json'), JSON.stringify(plain));
    const r = runCli('eval.ts', ['--data', path.join(dir, 'cat'), '--model', model, '--quiet', '--threads', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the weights hold a nearest-neighbour bank \(evidence\/bank\), which meta\.json does not describe/);
  });
});
