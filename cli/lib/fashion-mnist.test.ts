import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  FashionMnistError,
  fashionMnistFiles,
  hasFashionMnist,
  indicesOfClass,
  parseIdx,
  readFashionMnist,
} from './fashion-mnist.ts';

function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fmnist-test-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('parseIdx', () => {
  it('reads dims and data', () => {
    const a = parseIdx(idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(a.dims).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('rejects bad magic, other element types and length mismatches', () => {
    expect(() => parseIdx(Buffer.from('hello world'))).toThrow(/bad magic/);
    const f32 = idx([1], [0, 0, 0, 0]);
    f32[2] = 0x0d;
    expect(() => parseIdx(f32)).toThrow(/not unsigned byte/);
    expect(() => parseIdx(idx([3], [1, 2]))).toThrow(/3 = 3 bytes but 2 follow/);
    expect(() => parseIdx(Buffer.from([0, 0, 8, 3, 0, 0]))).toThrow(/truncated IDX header/);
  });
});

describe('readFashionMnist on synthetic files', () => {
  it('reads gzip and plain files and checks consistency', async () => {
    const dir = path.join(tmp, 'ok');
    const images = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 10);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], images)));
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([3], [9, 0, 4])); // uncompressed
    const d = await readFashionMnist('test', dir);
    expect([d.n, d.rows, d.cols]).toEqual([3, 2, 2]);
    expect(Array.from(d.images)).toEqual(images);
    expect(Array.from(d.labels)).toEqual([9, 0, 4]);
    expect(d.images.byteOffset).toBe(0);
    expect(indicesOfClass(d.labels, 4)).toEqual([2]);
    expect(await hasFashionMnist('test', dir)).toBe(true);
    expect(await hasFashionMnist('train', dir)).toBe(false);

    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([2], [9, 0]));
    await expect(readFashionMnist('test', dir)).rejects.toThrow(/2 labels for 3 images/);
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([3], [9, 0, 10]));
    await expect(readFashionMnist('test', dir)).rejects.toThrow(/label 10 at index 2 is out of range/);
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], images)).subarray(0, 20));
    await expect(readFashionMnist('test', dir)).rejects.toThrow(/cannot gunzip .*t10k-images-idx3-ubyte\.gz/);
  });

  it('tells the apt command when files are missing', async () => {
    const dir = path.join(tmp, 'missing');
    const err = await readFashionMnist('train', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FashionMnistError);
    expect((err as Error).message).toBe(
      `Fashion-MNIST file missing: ${path.join(dir, 'train-images-idx3-ubyte.gz')} — install the dataset with: apt-get install -y dataset-fashion-mnist`,
    );
  });

  it('has ten class names and the Debian file names', () => {
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
    expect(fashionMnistFiles('test')).toEqual({
      images: '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz',
      labels: '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz',
    });
  });
});

const installed = (['train', 'test'] as const).every((s) => {
  const f = fashionMnistFiles(s);
  return existsSync(f.images) && existsSync(f.labels);
});

describe.skipIf(!installed)(`Fashion-MNIST from ${FASHION_MNIST_DIR}`, () => {
  it.each([
    ['train', 60000, 6000],
    ['test', 10000, 1000],
  ] as const)('%s split: %i images, %i per class', async (split, n, perClass) => {
    const d = await readFashionMnist(split);
    expect([d.n, d.rows, d.cols]).toEqual([n, 28, 28]);
    expect(d.images.length).toBe(n * 28 * 28);
    expect(d.labels.length).toBe(n);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(perClass));
    let max = 0;
    for (let i = 0; i < 28 * 28; i++) max = Math.max(max, d.images[i]);
    expect(max).toBeGreaterThan(100);
  });
});
