/**
 * MVTec AD folder layout scanning for the command-line tools:
 *
 *   <category>/train/good/*                              normal training images
 *   <category>/test/good/*                               normal test images      (label 0)
 *   <category>/test/<defect>/*                           anomalous test images   (label 1)
 *   <category>/ground_truth/<defect>/<stem>_mask.png     pixel masks (also accepted: <stem>.png)
 *
 * Images are files ending in .png, .jpg or .jpeg (any case); names starting with '.' are ignored.
 * Anomalous images without a mask get maskPath null (pixel metrics skip them, image metrics count
 * them). Paths are absolute and sorted by plain code-unit order, so results do not depend on locale.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

export interface MvtecTestItem {
  path: string;
  /** 'good' or the defect folder name. */
  defect: string;
  label: 0 | 1;
  /** Ground-truth mask, or null for good images and anomalous images without a mask. */
  maskPath: string | null;
}

export interface MvtecCategory {
  /** Absolute category folder. */
  root: string;
  /** Folder name, e.g. 'bottle'. */
  name: string;
  /** Sorted absolute paths of train/good images. */
  train: string[];
  /** Sorted by path. Empty when the category has no test folder and requireTest is false. */
  test: MvtecTestItem[];
  /** Sorted defect folder names under test/ that contain images (never 'good'). */
  defects: string[];
}

export interface ScanOptions {
  /** Throw when <dir>/test is missing (default true). False allows train-only use. */
  requireTest?: boolean;
}

/** A dataset folder is missing or malformed. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isImageFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new DatasetError(`cannot list ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

function isFileEntry(dir: string, e: Dirent): boolean {
  if (e.isFile()) return true;
  if (e.isSymbolicLink()) return statOrNull(path.join(dir, e.name))?.isFile() ?? false;
  return false;
}

function isDirEntry(dir: string, e: Dirent): boolean {
  if (e.isDirectory()) return true;
  if (e.isSymbolicLink()) return statOrNull(path.join(dir, e.name))?.isDirectory() ?? false;
  return false;
}

/** Sorted absolute paths of the image files directly inside `dir` (no recursion). */
export function listImages(dir: string): string[] {
  return listDir(dir)
    .filter((e) => isImageFileName(e.name) && isFileEntry(dir, e))
    .map((e) => path.join(dir, e.name))
    .sort(byCodeUnit);
}

function subfolders(dir: string): string[] {
  return listDir(dir)
    .filter((e) => !e.name.startsWith('.') && isDirEntry(dir, e))
    .map((e) => e.name)
    .sort(byCodeUnit);
}

/** When `dir` looks like a parent of categories, name them to help the user. */
function categoryHint(dir: string): string {
  let names: string[];
  try {
    names = subfolders(dir).filter((n) => statOrNull(path.join(dir, n, 'train', 'good'))?.isDirectory());
  } catch {
    return '';
  }
  if (names.length === 0) return '';
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
  return ` (this looks like a folder of categories; pass one of: ${shown})`;
}

/** Mask file names in a ground_truth/<defect> folder, keyed by lower-cased name. */
function maskIndex(dir: string): Map<string, string> {
  const index = new Map<string, string>();
  if (!statOrNull(dir)?.isDirectory()) return index;
  for (const e of listDir(dir)) {
    if (isImageFileName(e.name) && isFileEntry(dir, e)) index.set(e.name.toLowerCase(), path.join(dir, e.name));
  }
  return index;
}

/**
 * Scan one MVTec-style category folder. Throws {@link DatasetError} with the offending path when
 * the folder is missing, is not a directory, has no train/good images, or (unless
 * `requireTest: false`) has no test folder.
 */
export function scanMvtecCategory(dir: string, opts: ScanOptions = {}): MvtecCategory {
  const requireTest = opts.requireTest ?? true;
  const root = path.resolve(dir);
  const st = statOrNull(root);
  if (!st) throw new DatasetError(`dataset folder not found: ${root}`);
  if (!st.isDirectory()) throw new DatasetError(`dataset path is not a directory: ${root}`);

  const trainDir = path.join(root, 'train', 'good');
  if (!statOrNull(trainDir)?.isDirectory()) {
    throw new DatasetError(`training folder missing: ${trainDir}${categoryHint(root)}`);
  }
  const train = listImages(trainDir);
  if (train.length === 0) {
    throw new DatasetError(`no training images (.png, .jpg, .jpeg) in ${trainDir}`);
  }

  const testDir = path.join(root, 'test');
  const testStat = statOrNull(testDir);
  const test: MvtecTestItem[] = [];
  const defects: string[] = [];
  if (!testStat?.isDirectory()) {
    if (requireTest) {
      throw new DatasetError(
        `test folder missing: ${testDir} (for train-only use scan with { requireTest: false })`,
      );
    }
  } else {
    for (const defect of subfolders(testDir)) {
      const images = listImages(path.join(testDir, defect));
      if (images.length === 0) continue;
      const good = defect === 'good';
      if (!good) defects.push(defect);
      const masks = good ? null : maskIndex(path.join(root, 'ground_truth', defect));
      for (const p of images) {
        let maskPath: string | null = null;
        if (masks) {
          const stem = path.basename(p, path.extname(p)).toLowerCase();
          maskPath = masks.get(`${stem}_mask.png`) ?? masks.get(`${stem}.png`) ?? null;
        }
        test.push({ path: p, defect, label: good ? 0 : 1, maskPath });
      }
    }
    test.sort((a, b) => byCodeUnit(a.path, b.path));
  }

  return { root, name: path.basename(root), train, test, defects };
}

/** Counts for logs: images per split, anomalous images, masks. */
export function summarizeCategory(cat: MvtecCategory): {
  train: number;
  testGood: number;
  testAnomalous: number;
  masks: number;
} {
  let testGood = 0;
  let masks = 0;
  for (const t of cat.test) {
    if (t.label === 0) testGood++;
    if (t.maskPath) masks++;
  }
  return { train: cat.train.length, testGood, testAnomalous: cat.test.length - testGood, masks };
}

/** Deepest folder containing every path (absolute). */
function commonDir(paths: string[]): string {
  let parts = path.dirname(paths[0]).split(path.sep);
  for (const p of paths.slice(1)) {
    const q = path.dirname(p).split(path.sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(path.sep) || path.sep;
}

async function hashFile(p: string, buf: Buffer): Promise<{ size: number; digest: string }> {
  const fh = await open(p, 'r');
  try {
    const h = createHash('sha256');
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, digest: h.digest('hex') };
  } finally {
    await fh.close();
  }
}

/**
 * A short (16 hex digits) SHA-256 fingerprint of a set of files: names relative to their deepest
 * common folder (with '/' separators), sizes and content hashes, in sorted name order. It does not
 * change when the dataset folder is moved or the list is reordered; it changes when any file is
 * added, removed, renamed or edited.
 */
export async function datasetFingerprint(paths: string[]): Promise<string> {
  const outer = createHash('sha256');
  if (paths.length === 0) return outer.update('empty\n').digest('hex').slice(0, 16);
  const abs = paths.map((p) => path.resolve(p));
  const base = commonDir(abs);
  const entries = abs.map((p) => ({ p, rel: path.relative(base, p).split(path.sep).join('/') }));
  entries.sort((a, b) => byCodeUnit(a.rel, b.rel));

  const results: string[] = new Array(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    const buf = Buffer.allocUnsafe(1 << 18);
    while (next < entries.length) {
      const i = next++;
      const { p, rel } = entries[i];
      let info: { size: number; digest: string };
      try {
        info = await hashFile(p, buf);
      } catch (err) {
        throw new DatasetError(`cannot fingerprint ${p}: ${(err as Error).message}`, { cause: err });
      }
      results[i] = `${rel}\t${info.size}\t${info.digest}\n`;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, entries.length) }, worker));
  for (const line of results) outer.update(line);
  return outer.digest('hex').slice(0, 16);
}

/** n items evenly spaced over `items` (all of them when n ≥ their count): train --limit, bench:teach --images. */
export function evenlySpaced<T>(items: T[], n: number): T[] {
  if (n >= items.length) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}
