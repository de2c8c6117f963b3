import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileSystemHandler } from '../../cli/lib/file-io';
import { saveBundle } from '../../cli/lib/model-bundle';
import type { ModelMeta } from '../engine/model-meta';
import { Student, type StudentConfig } from '../engine/student';
import { studentFromArtifacts, studentToArtifacts } from '../engine/weights-io';
import { bundleFileName, bundleTeacherMismatch, exportBundleZip, readBundle, type BundleFile } from './bundle-zip';

const config: StudentConfig = { tapChannels: [144, 192, 576], widths: [4, 8, 8], embedChannels: 8, decoderBlocks: 1 };
const taps = [
  { name: 'block_3_expand_relu', stride: 4, channels: 144 },
  { name: 'block_6_expand_relu', stride: 8, channels: 192 },
  { name: 'block_13_expand_relu', stride: 16, channels: 576 },
];
const meta: ModelMeta = {
  formatVersion: 1,
  kind: 'rd4ad-student',
  teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps },
  student: config,
  inputSize: 64,
  normalization: { inputRange: [0, 1], resize: 'bilinear-half-pixel' },
  map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
  lossForm: 'flattened',
  calibration: { n: 2, mean: 0.1, std: 0.01, min: 0.09, max: 0.11, p95: 0.11, p99: 0.11, threshold: 0.2, rule: 'r', heldOutScores: [0.09, 0.11], trainingScores: [0.05], optimistic: false },
  training: { epochs: 1, batchSize: 1, learningRate: 0.005, betas: [0.5, 0.999], seed: 0, losses: [1], minutes: 0, backend: 'cpu' },
  dataset: { name: 't', fingerprint: '0', trainImages: 1 },
  createdAt: '2026-01-01T00:00:00Z',
};

let artifacts: tf.io.ModelArtifacts;
let original: Map<string, Float32Array>;
let dir: string;

const values = (s: Student) => new Map([...s.store.variables].map(([k, v]) => [k, v.dataSync() as Float32Array]));
const unzip = (bytes: Uint8Array) => unzipSync(bytes);
/** Byte-exact comparison (expect().toEqual on big typed arrays takes seconds). */
const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const file = (name: string, content: string | Uint8Array): BundleFile => ({ name, bytes: typeof content === 'string' ? strToU8(content) : content });

describe('bundle .zip export / import', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const s = new Student(config, 11);
    artifacts = await studentToArtifacts(s);
    original = values(s);
    s.dispose();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rd4ad-bundle-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('export writes exactly the CLI bundle layout (model.json, weights.bin, meta.json) through a tfjs save handler', async () => {
    const zip = await exportBundleZip(artifacts, meta, { mtime: new Date('2026-01-02T00:00:00Z') });
    const entries = unzip(zip);
    expect(Object.keys(entries).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    // the same files `npm run train` writes for the same student and meta
    const student = studentFromArtifacts(artifacts);
    await saveBundle(dir, student, meta);
    student.dispose();
    expect(JSON.parse(strFromU8(entries['model.json']))).toEqual(JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')));
    expect(same(entries['weights.bin'], await readFile(path.join(dir, 'weights.bin')))).toBe(true);
    expect(JSON.parse(strFromU8(entries['meta.json']))).toEqual(meta);
    // deterministic for a fixed date
    expect(same(await exportBundleZip(artifacts, meta, { mtime: new Date('2026-01-02T00:00:00Z') }), zip)).toBe(true);
    expect(bundleFileName('Fabric / line 2: "good"')).toBe('Fabric-line-2-good.zip');
    expect(bundleFileName('///')).toBe('model.zip');
  });

  it('import of the exported zip, of the loose files and of a zipped CLI folder gives the exact weights back', async () => {
    const zip = await exportBundleZip(artifacts, meta);
    const fromZip = await readBundle([file('model.zip', zip)]);
    expect(fromZip.meta).toEqual(meta);
    const s = studentFromArtifacts(fromZip.artifacts);
    for (const [k, v] of values(s)) expect(same(v, original.get(k)!), k).toBe(true);
    s.dispose();

    const loose = await readBundle(['model.json', 'weights.bin', 'meta.json'].map((n) => file(n, unzip(zip)[n])));
    expect(same(new Uint8Array(tf.io.CompositeArrayBuffer.join(loose.artifacts.weightData!)), unzip(zip)['weights.bin'])).toBe(true);

    // a folder zipped by the user (files under bottle/, plus eval.json and macOS litter)
    const h = fileSystemHandler(dir);
    const cliFiles = Object.fromEntries(await Promise.all(['model.json', 'weights.bin', 'meta.json'].map(async (n) => [`bottle/${n}`, new Uint8Array(await readFile(path.join(dir, n)))])));
    const userZip = zipSync({ ...cliFiles, 'bottle/eval.json': strToU8('{}'), '__MACOSX/bottle/._model.json': strToU8('junk') });
    const fromFolder = await readBundle([file('bottle.zip', userZip)]);
    expect(fromFolder.meta).toEqual(meta);
    expect(fromFolder.artifacts.weightSpecs).toEqual((await h.load()).weightSpecs);
  });

  it('refuses incomplete, corrupt, newer or ambiguous bundles with clear messages', async () => {
    const e = unzip(await exportBundleZip(artifacts, meta));
    const refuse = (files: BundleFile[]) => readBundle(files).catch((err: unknown) => err);
    expect(await refuse([file('model.json', e['model.json']), file('meta.json', e['meta.json'])])).toMatchObject({ kind: 'model', message: 'weights.bin missing from the bundle' });
    expect(await refuse([file('b.zip', zipSync({ 'model.json': e['model.json'], 'weights.bin': e['weights.bin'] }))])).toMatchObject({ message: 'meta.json missing from the bundle' });
    expect(await refuse([file('meta.json', e['meta.json']), file('weights.bin', e['weights.bin'])])).toMatchObject({ message: 'model.json missing from the bundle' });
    const v2 = JSON.stringify({ ...meta, formatVersion: 2 });
    expect(await refuse([file('model.json', e['model.json']), file('weights.bin', e['weights.bin']), file('meta.json', v2)])).toMatchObject({
      kind: 'model', message: expect.stringMatching(/^format version 2 is newer than this app reads \(1\)/),
    });
    const notOurs = JSON.stringify({ ...meta, kind: 'keras' });
    expect(await refuse([file('model.json', e['model.json']), file('weights.bin', e['weights.bin']), file('meta.json', notOurs)])).toMatchObject({ message: expect.stringMatching(/meta\.json in the bundle: .*not a reverse-distillation model/) });
    const short = e['weights.bin'].subarray(0, 100);
    expect(await refuse([file('model.json', e['model.json']), file('weights.bin', short), file('meta.json', e['meta.json'])])).toMatchObject({
      message: expect.stringMatching(/^the bundle is corrupt: weights\.bin has 100 bytes, model\.json describes \d+/),
    });
    expect(await refuse([file('model.json', '{"modelTopology":'), file('weights.bin', short), file('meta.json', e['meta.json'])])).toMatchObject({ message: 'model.json in the bundle is not valid JSON' });
    expect(await refuse([file('x.zip', new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]))])).toMatchObject({ message: expect.stringMatching(/^x\.zip is damaged: its zip entries could not be read/) });
    // Random bytes under a .zip name: named as not a zip, not as a bundle without model.json.
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    expect(await refuse([file('x.zip', random)])).toMatchObject({ kind: 'model', message: 'x.zip is not a zip archive, or it is damaged: it does not start like one' });
    // A zip cut short, and one whose compressed entry is garbled.
    const whole = await exportBundleZip(artifacts, meta);
    expect(await refuse([file('cut.zip', whole.slice(0, whole.length >> 1))])).toMatchObject({ message: expect.stringMatching(/^cut\.zip is damaged/) });
    const garbled = whole.slice();
    for (let i = 60; i < 400; i++) garbled[i] ^= 0x5a;
    expect(await refuse([file('garbled.zip', garbled)])).toMatchObject({ message: expect.stringMatching(/^garbled\.zip is damaged/) });
    const other = JSON.stringify({ ...meta, createdAt: 'other' });
    expect(await refuse([file('a.zip', zipSync({ 'meta.json': e['meta.json'] })), file('meta.json', other)])).toMatchObject({ message: expect.stringMatching(/two different meta\.json/) });
    expect(await refuse([])).toMatchObject({ kind: 'input' });
  });

  it('teacher check: other teacher, other tap set, other taps', () => {
    const app = { id: 'mobilenet_v2', tapSet: 'expand', taps };
    expect(bundleTeacherMismatch(meta, app)).toBeNull();
    expect(bundleTeacherMismatch({ ...meta, teacher: { id: 'inception_v3', tapSet: 'default', taps } }, app)).toBe('this bundle was trained on teacher inception_v3/default; this app runs mobilenet_v2/expand');
    expect(bundleTeacherMismatch({ ...meta, teacher: { ...meta.teacher, tapSet: 'imagenet' } }, app)).toBe('this bundle was trained on teacher mobilenet_v2/imagenet; this app runs mobilenet_v2/expand');
    const moved = { ...meta, teacher: { ...meta.teacher, taps: [taps[0], taps[1], { ...taps[2], name: 'block_16_project' }] } };
    expect(bundleTeacherMismatch(moved, app)).toMatch(/^this bundle does not fit this app's teacher mobilenet_v2\/expand: tap 3 differs: model has block_16_project/);
  });
});
