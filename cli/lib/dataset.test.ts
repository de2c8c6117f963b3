import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFingerprint, DatasetError, scanMvtecCategory, summarizeCategory } from './dataset.ts';
import { readImage, readMask } from './image-io.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const datasetsRoot = path.resolve(repoRoot, '../shared/datasets');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dataset-test-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function touch(root: string, rel: string, content = rel): string {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

function fakeCategory(name: string): string {
  const root = path.join(tmp, name);
  touch(root, 'train/good/b.png');
  touch(root, 'train/good/a.JPG');
  touch(root, 'train/good/c.jpeg');
  touch(root, 'train/good/.hidden.png');
  touch(root, 'train/good/notes.txt');
  touch(root, 'train/good/sub/deep.png'); // not recursed into
  touch(root, 'test/good/x.png');
  touch(root, 'test/good/.DS_Store');
  touch(root, 'test/crack/001.png');
  touch(root, 'test/crack/002.jpeg');
  touch(root, 'test/crack/._001.png');
  touch(root, 'test/hole/h1.png');
  mkdirSync(path.join(root, 'test/empty'), { recursive: true });
  touch(root, 'test/.cache/y.png');
  touch(root, 'ground_truth/crack/001_mask.png');
  touch(root, 'ground_truth/crack/002.png'); // <stem>.png form
  touch(root, 'ground_truth/hole/other_mask.png'); // h1 has no mask
  return root;
}

async function scanError(dir: string, opts?: { requireTest?: boolean }): Promise<string> {
  try {
    scanMvtecCategory(dir, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return (err as Error).message;
  }
  throw new Error('expected a DatasetError');
}

describe('scanMvtecCategory on a fake layout', () => {
  it('lists train and test images, labels, defects and masks', () => {
    const root = fakeCategory('widget');
    const cat = scanMvtecCategory(root);
    expect(cat.root).toBe(root);
    expect(cat.name).toBe('widget');
    expect(cat.train).toEqual(['a.JPG', 'b.png', 'c.jpeg'].map((f) => path.join(root, 'train/good', f)));
    expect(cat.defects).toEqual(['crack', 'hole']);
    expect(cat.test).toEqual([
      { path: path.join(root, 'test/crack/001.png'), defect: 'crack', label: 1, maskPath: path.join(root, 'ground_truth/crack/001_mask.png') },
      { path: path.join(root, 'test/crack/002.jpeg'), defect: 'crack', label: 1, maskPath: path.join(root, 'ground_truth/crack/002.png') },
      { path: path.join(root, 'test/good/x.png'), defect: 'good', label: 0, maskPath: null },
      { path: path.join(root, 'test/hole/h1.png'), defect: 'hole', label: 1, maskPath: null },
    ]);
    expect(summarizeCategory(cat)).toEqual({ train: 3, testGood: 1, testAnomalous: 3, masks: 2 });
  });

  it('resolves a relative path', () => {
    const root = fakeCategory('rel');
    const rel = path.relative(process.cwd(), root);
    expect(scanMvtecCategory(rel).root).toBe(root);
  });

  it('explains a missing or non-directory path', async () => {
    const missing = path.join(tmp, 'does-not-exist');
    expect(await scanError(missing)).toBe(`dataset folder not found: ${missing}`);
    const f = touch(tmp, 'plain-file.txt');
    expect(await scanError(f)).toBe(`dataset path is not a directory: ${f}`);
  });

  it('explains a missing or empty train/good', async () => {
    const noTrain = path.join(tmp, 'no-train');
    touch(noTrain, 'test/good/x.png');
    expect(await scanError(noTrain)).toBe(`training folder missing: ${path.join(noTrain, 'train', 'good')}`);

    const empty = path.join(tmp, 'empty-train');
    touch(empty, 'train/good/.hidden.png');
    touch(empty, 'train/good/readme.txt');
    touch(empty, 'test/good/x.png');
    expect(await scanError(empty)).toBe(`no training images (.png, .jpg, .jpeg) in ${path.join(empty, 'train', 'good')}`);
  });

  it('hints at categories when given their parent folder', async () => {
    const parent = path.join(tmp, 'parent');
    touch(parent, 'alpha/train/good/1.png');
    touch(parent, 'beta/train/good/1.png');
    expect(await scanError(parent)).toMatch(/training folder missing: .*pass one of: alpha, beta\)$/);
  });

  it('requires test/ unless requireTest is false', async () => {
    const root = path.join(tmp, 'train-only');
    touch(root, 'train/good/1.png');
    expect(await scanError(root)).toMatch(new RegExp(`^test folder missing: ${path.join(root, 'test').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    const cat = scanMvtecCategory(root, { requireTest: false });
    expect(cat.train).toHaveLength(1);
    expect(cat.test).toEqual([]);
    expect(cat.defects).toEqual([]);
  });
});

describe('datasetFingerprint', () => {
  it('depends on names, sizes and content, not on location or order', async () => {
    const a = path.join(tmp, 'fp-a');
    const b = path.join(tmp, 'elsewhere/fp-b');
    const files = ['x/1.png', 'x/2.png', 'y/3.png'];
    const pa = files.map((f) => touch(a, f, `content of ${f}`));
    const pb = files.map((f) => touch(b, f, `content of ${f}`));
    const fa = await datasetFingerprint(pa);
    expect(fa).toMatch(/^[0-9a-f]{16}$/);
    expect(await datasetFingerprint(pb)).toBe(fa);
    expect(await datasetFingerprint([...pa].reverse())).toBe(fa);

    touch(b, 'y/3.png', 'content of y/3.pnG'); // same size, other bytes
    expect(await datasetFingerprint(pb)).not.toBe(fa);
    expect(await datasetFingerprint(pa.slice(0, 2))).not.toBe(fa);
    const renamed = [...pa.slice(0, 2), touch(a, 'y/4.png', 'content of y/3.png')];
    expect(await datasetFingerprint(renamed)).not.toBe(fa);
    expect(await datasetFingerprint([])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names a missing file', async () => {
    const gone = path.join(tmp, 'gone.png');
    await expect(datasetFingerprint([gone])).rejects.toThrow(`cannot fingerprint ${gone}`);
  });
});

describe.skipIf(!existsSync(datasetsRoot))('real datasets in ../shared/datasets', () => {
  const cases = [
    { dir: 'mvtec_ad/bottle', train: 209, test: 83, good: 20, masks: 63, noMask: 0, defects: ['broken_large', 'broken_small', 'contamination'] },
    { dir: 'magnetic_tile', train: 761, test: 583, good: 191, masks: 392, noMask: 0, defects: ['blowhole', 'break', 'crack', 'fray', 'uneven'] },
    { dir: 'cookies', train: 31, test: 54, good: 14, masks: 32, noMask: 8, defects: ['anomaly', 'anomaly_nomask'] },
  ];

  for (const c of cases) {
    it.skipIf(!existsSync(path.join(datasetsRoot, c.dir)))(`scans ${c.dir}`, () => {
      const cat = scanMvtecCategory(path.join(datasetsRoot, c.dir));
      expect(cat.name).toBe(path.basename(c.dir));
      expect(cat.train).toHaveLength(c.train);
      expect(cat.test).toHaveLength(c.test);
      expect(cat.defects).toEqual(c.defects);
      const s = summarizeCategory(cat);
      expect(s.testGood).toBe(c.good);
      expect(s.masks).toBe(c.masks);
      expect(cat.test.filter((t) => t.label === 1 && t.maskPath === null)).toHaveLength(c.noMask);
      expect(cat.test.filter((t) => t.label === 0 && t.maskPath !== null)).toHaveLength(0);
      if (c.noMask) expect(cat.test.filter((t) => t.maskPath === null && t.label === 1).every((t) => t.defect === 'anomaly_nomask')).toBe(true);
    });
  }

  it.skipIf(!existsSync(path.join(datasetsRoot, 'magnetic_tile')))('decodes a grayscale magnetic_tile JPEG and its mask', async () => {
    const cat = scanMvtecCategory(path.join(datasetsRoot, 'magnetic_tile'));
    const item = cat.test.find((t) => t.maskPath !== null)!;
    const img = await readImage(item.path);
    expect(img.width).toBeGreaterThan(0);
    expect(img.height).toBeGreaterThan(0);
    expect(img.width).not.toBe(img.height);
    expect(img.data.length).toBe(img.width * img.height * 3);
    let notGray = 0;
    let brightest = 0;
    for (let i = 0; i < img.data.length; i += 3) {
      if (img.data[i + 1] !== img.data[i] || img.data[i + 2] !== img.data[i]) notGray++;
      brightest = Math.max(brightest, img.data[i]);
    }
    expect(notGray).toBe(0);
    expect(brightest).toBeGreaterThan(0);
    const mask = await readMask(item.maskPath!);
    expect([mask.width, mask.height]).toEqual([img.width, img.height]);
    const on = mask.data.reduce((s, v) => s + v, 0);
    expect(on).toBeGreaterThan(0);
    expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it.skipIf(!existsSync(path.join(datasetsRoot, 'cookies')))('decodes a cookies PNG (longest side 512) and fingerprints the train split', async () => {
    const cat = scanMvtecCategory(path.join(datasetsRoot, 'cookies'));
    const img = await readImage(cat.train[0]);
    // The README says 512x384; the files are portrait, 384 wide by 512 high.
    expect([Math.max(img.width, img.height), Math.min(img.width, img.height)]).toEqual([512, 384]);
    expect(img.data.length).toBe(img.width * img.height * 3);
    const fp = await datasetFingerprint(cat.train);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(await datasetFingerprint(cat.train)).toBe(fp);
  });

  it.skipIf(!existsSync(path.join(datasetsRoot, 'magnetic_tile')))('fingerprints 1300+ files quickly', async () => {
    const cat = scanMvtecCategory(path.join(datasetsRoot, 'magnetic_tile'));
    const t0 = performance.now();
    const fp = await datasetFingerprint([...cat.train, ...cat.test.map((t) => t.path)]);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
