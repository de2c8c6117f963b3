/**
 * Fashion-MNIST reader for the command-line tools (the one-class novelty-detection benchmark).
 * Reads the IDX files shipped by the Debian package `dataset-fashion-mnist`
 * (/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz). Files may be
 * gzip-compressed (detected by magic bytes) or plain, with or without the .gz suffix.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_INSTALL = 'apt-get install -y dataset-fashion-mnist';

/** Class names by label 0..9. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export type FashionMnistSplit = 'train' | 'test';

export interface FashionMnistData {
  /** n * rows * cols bytes, image-major, row-major, 0 = background (byteOffset 0). */
  images: Uint8Array;
  /** n labels in 0..9. */
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

export interface IdxArray {
  /** Dimension sizes, e.g. [60000, 28, 28]. */
  dims: number[];
  data: Uint8Array;
}

export class FashionMnistError extends Error {
  override readonly name = 'FashionMnistError';
}

/**
 * Parse an (uncompressed) IDX file holding unsigned bytes: magic 0x00 0x00 0x08 <ndims>, then
 * ndims big-endian uint32 sizes, then the data. Other element types are rejected.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FashionMnistError(`${what}: not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== 0x08) {
    throw new FashionMnistError(`${what}: IDX element type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  }
  const ndims = bytes[3];
  const headerLen = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerLen) {
    throw new FashionMnistError(`${what}: truncated IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  if (bytes.length - headerLen !== count) {
    throw new FashionMnistError(
      `${what}: IDX header says ${dims.join('x')} = ${count} bytes but ${bytes.length - headerLen} follow`,
    );
  }
  return { dims, data: bytes.subarray(headerLen, headerLen + count) };
}

async function readIdxFile(file: string): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new FashionMnistError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new FashionMnistError(`cannot gunzip ${file} (truncated or corrupt): ${(err as Error).message}`, { cause: err });
    }
  }
  return parseIdx(raw, file);
}

/** Prefer `<name>.gz`, else the uncompressed `<name>`; throw the install hint when neither exists. */
async function locate(dir: string, name: string): Promise<string> {
  for (const candidate of [path.join(dir, `${name}.gz`), path.join(dir, name)]) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new FashionMnistError(
    `Fashion-MNIST file missing: ${path.join(dir, `${name}.gz`)} — install the dataset with: ${FASHION_MNIST_INSTALL}`,
  );
}

/** The file paths a split uses (gz names; the reader also accepts them uncompressed). */
export function fashionMnistFiles(
  split: FashionMnistSplit,
  dir = FASHION_MNIST_DIR,
): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return {
    images: path.join(dir, `${prefix}-images-idx3-ubyte.gz`),
    labels: path.join(dir, `${prefix}-labels-idx1-ubyte.gz`),
  };
}

/** Whether both files of a split exist (gz or plain). */
export async function hasFashionMnist(split: FashionMnistSplit = 'train', dir = FASHION_MNIST_DIR): Promise<boolean> {
  const prefix = split === 'train' ? 'train' : 't10k';
  try {
    await locate(dir, `${prefix}-images-idx3-ubyte`);
    await locate(dir, `${prefix}-labels-idx1-ubyte`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Read one split: 'train' (60000 images) or 'test' (10000, the t10k files). Throws
 * {@link FashionMnistError} naming the file and the apt command when the files are missing.
 */
export async function readFashionMnist(
  split: FashionMnistSplit,
  dir = FASHION_MNIST_DIR,
): Promise<FashionMnistData> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = await locate(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = await locate(dir, `${prefix}-labels-idx1-ubyte`);
  const [img, lab] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
  if (img.dims.length !== 3) {
    throw new FashionMnistError(`${imagesFile}: expected 3 IDX dimensions (n, rows, cols), got ${img.dims.length}`);
  }
  if (lab.dims.length !== 1) {
    throw new FashionMnistError(`${labelsFile}: expected 1 IDX dimension, got ${lab.dims.length}`);
  }
  const [n, rows, cols] = img.dims;
  if (lab.dims[0] !== n) {
    throw new FashionMnistError(`${labelsFile}: ${lab.dims[0]} labels for ${n} images in ${imagesFile}`);
  }
  for (let i = 0; i < n; i++) {
    if (lab.data[i] >= FASHION_MNIST_CLASSES.length) {
      throw new FashionMnistError(`${labelsFile}: label ${lab.data[i]} at index ${i} is out of range 0..9`);
    }
  }
  // Copy out of the decompression buffers: plain Uint8Arrays with byteOffset 0 and no header.
  return { images: new Uint8Array(img.data), labels: new Uint8Array(lab.data), n, rows, cols };
}

/** Indices of the images whose label is `label`, in file order. */
export function indicesOfClass(labels: Uint8Array, label: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === label) out.push(i);
  return out;
}
