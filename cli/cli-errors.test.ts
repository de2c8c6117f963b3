/**
 * The command-line tools answer bad input with one clear line and a non-zero exit, never a stack
 * trace or a silent wrong number.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { png, runCli } from './lib/cli-test-support';

const run = runCli;

function expectCleanError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frames
}

describe('CLI error messages', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rd-cli-'));
    // A category with one good image and one truncated one.
    mkdirSync(path.join(dir, 'cat/train/good'), { recursive: true });
    writeFileSync(path.join(dir, 'cat/train/good/000.png'), png(40, 40, 128));
    writeFileSync(path.join(dir, 'cat/train/good/001.png'), png(40, 40, 90).subarray(0, 60));
    mkdirSync(path.join(dir, 'empty/train/good'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('out-of-range and unknown options', () => {
    expectCleanError(run('train.ts', ['--data', dir, '--out', dir, '--epochs', '0']), /--epochs must be an integer from 1/);
    expectCleanError(run('train.ts', ['--data', dir, '--out', dir, '--lr', 'fast']), /--lr must be a number/);
    expectCleanError(run('train.ts', ['--data', dir, '--out', dir, '--size', '100']), /multiple of 32/);
    expectCleanError(run('train.ts', ['--data', dir, '--out', dir, '--teacher', 'resnet']), /--teacher must be one of/);
    expectCleanError(run('train.ts', ['--data', dir, '--out', dir, '--frobnicate']), /Unknown option/);
    expectCleanError(run('eval.ts', ['--data', dir]), /--data and --model are required/);
    expectCleanError(run('novelty.ts', ['--class', '12']), /--class must be an integer from 0 to 9/);
  });

  it('missing or empty training folder', () => {
    expectCleanError(run('train.ts', ['--data', path.join(dir, 'nope'), '--out', path.join(dir, 'o')]), /nope/);
    expectCleanError(run('train.ts', ['--data', path.join(dir, 'empty'), '--out', path.join(dir, 'o')]), /no (training )?images|empty/i);
  });

  it('a truncated image is named', () => {
    const r = run('train.ts', ['--data', path.join(dir, 'cat'), '--out', path.join(dir, 'o'), '--size', '64', '--epochs', '1']);
    expectCleanError(r, /001\.png.*truncated|truncated.*001\.png/);
  });

  it('a model bundle that does not match the teacher is refused', async () => {
    // Train a 1-epoch model on the good image only, then corrupt its meta's tap list.
    rmSync(path.join(dir, 'cat/train/good/001.png'));
    const out = path.join(dir, 'model');
    const t = run('train.ts', ['--data', path.join(dir, 'cat'), '--out', out, '--size', '64', '--epochs', '1', '--quiet', '--threads', '1']);
    expect(t.code, t.stderr).toBe(0);
    mkdirSync(path.join(dir, 'cat/test/good'), { recursive: true });
    mkdirSync(path.join(dir, 'cat/test/bad'), { recursive: true });
    writeFileSync(path.join(dir, 'cat/test/good/0.png'), png(40, 40, 128));
    writeFileSync(path.join(dir, 'cat/test/bad/0.png'), png(40, 40, 20));
    const ok = run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out, '--json', '--quiet', '--threads', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.n_images).toBe(2);
    expect(report.image_auroc).toBeGreaterThanOrEqual(0);
    expect(report.pixel_auroc).toBeNull(); // no masks at all: pixel metrics are not invented
    // nearest-neighbour evidence: one training image at 64² = an 8×8 grid of bank vectors
    const nn = run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out, '--evidence', 'nn', '--json', '--quiet', '--threads', '1']);
    expect(nn.code, nn.stderr).toBe(0);
    expect(JSON.parse(nn.stdout)).toMatchObject({ evidence: 'nn', bank_vectors: 64, bank_dims: 128, n_images: 2 });
    expectCleanError(run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out, '--evidence', 'fused']), /fused needs at least 5 training images/);
    expectCleanError(run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out, '--evidence', 'nn', '--views', 'flips']), /--views works with the rd evidence only/);

    const metaFile = path.join(out, 'meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    meta.teacher.taps[2].channels = 123;
    writeFileSync(metaFile, JSON.stringify(meta));
    expectCleanError(run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out]), /does not match the converted teacher: tap 3 differs/);
    meta.teacher.id = 'resnet50';
    writeFileSync(metaFile, JSON.stringify(meta));
    expectCleanError(run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out]), /teacher "resnet50" is not converted|resnet50/);
    meta.formatVersion = 99;
    writeFileSync(metaFile, JSON.stringify(meta));
    expectCleanError(run('eval.ts', ['--data', path.join(dir, 'cat'), '--model', out]), /format version 99/);
  });
});
