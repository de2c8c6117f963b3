/**
 * make:samples regenerates byte-identical files, and the committed gallery under public/samples is
 * exactly what the generator produces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './lib/model-bundle';

function makeSamples(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli/make-samples.ts'), '--quiet', ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`, as '/'-separated relative paths, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(full).isDirectory() ? listFiles(full, rel) : [rel];
  });
}

function expectSameFiles(actualDir: string, expectedDir: string, names: string[]): void {
  for (const name of names) {
    const actual = readFileSync(path.join(actualDir, name));
    const expected = readFileSync(path.join(expectedDir, name));
    expect(actual.equals(expected), `${name} differs`).toBe(true);
  }
}

describe('npm run make:samples', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'rd-samples-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('regenerates the dataset byte for byte', () => {
    const args = ['--train', '2', '--test-good', '1', '--test-defect', '1', '--no-gallery'];
    const a = makeSamples(['--out', path.join(tmp, 'a'), ...args]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/fabric: train\/good 2, test\/good 1, test\/hole 1, test\/stain 1, test\/cut 1/);
    const b = makeSamples(['--out', path.join(tmp, 'b'), ...args]);
    expect(b.code, b.stderr).toBe(0);
    const files = listFiles(path.join(tmp, 'a'));
    expect(listFiles(path.join(tmp, 'b'))).toEqual(files);
    expect(files).toContain('flange/ground_truth/missing_hole/000_mask.png');
    expect(files).toContain('wood/train/good/001.png');
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(3 * 3 + (3 + 3 + 4) * 2);
    expectSameFiles(path.join(tmp, 'a'), path.join(tmp, 'b'), files);
  });

  it('rejects unknown categories and refuses to clear a folder it did not write', () => {
    const unknown = makeSamples(['--out', path.join(tmp, 'c'), '--category', 'wood,glass', '--no-gallery']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--category must be one of fabric, wood, flange, got "glass"/);
    const foreign = path.join(tmp, 'foreign');
    mkdirSync(path.join(foreign, 'wood'), { recursive: true });
    writeFileSync(path.join(foreign, 'wood/notes.txt'), 'keep me');
    const r = makeSamples(['--out', foreign, '--category', 'wood', '--train', '1', '--test-good', '0', '--test-defect', '0', '--no-gallery']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was not written by make:samples/);
    expect(readFileSync(path.join(foreign, 'wood/notes.txt'), 'utf8')).toBe('keep me');
  });

  it('matches the committed gallery in public/samples', (ctx) => {
    const committed = path.join(REPO_ROOT, 'public/samples');
    if (!existsSync(path.join(committed, 'index.json'))) {
      ctx.skip('public/samples is absent: run `npm run make:samples` to create the gallery');
      return;
    }
    const out = path.join(tmp, 'gallery');
    const r = makeSamples(['--category', 'wood', '--train', '0', '--test-good', '0', '--test-defect', '0', '--out', path.join(tmp, 'none'), '--gallery', out]);
    expect(r.code, r.stderr).toBe(0);
    const names = listFiles(path.join(out, 'wood'));
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(listFiles(path.join(committed, 'wood'))).toEqual(names);
    expectSameFiles(path.join(out, 'wood'), path.join(committed, 'wood'), names);
    expectSameFiles(out, committed, ['index.json']);
  });
});
