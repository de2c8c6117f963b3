import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './lib/backend';
import { fileSystemHandler } from './lib/file-io';
import { convertTeacher, loadTeacherFromDir, originalArtifacts, readTeacherMeta } from './convert-teacher';
import { Teacher } from '../src/engine/teacher';
import { TEACHER_IDS, TEACHER_SPECS, type TeacherId } from '../src/engine/teacher-specs';

let root = '';

beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(path.join(os.tmpdir(), 'teacher-test-'));
  for (const id of TEACHER_IDS) await convertTeacher(id, root, { verify: false });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Deterministic pseudo-random image in [0,1]. */
function randomImage(size: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([1, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** max|a-b| / max|b| over all elements. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const scale = tf.max(tf.abs(b)).dataSync()[0];
    return diff / Math.max(scale, 1e-6);
  });
}

/** Intermediate outputs of the ORIGINAL nsfwjs model at the given layers / nodes for a 224² input. */
async function referenceTaps(id: TeacherId, names: string[], x: tf.Tensor4D): Promise<tf.Tensor[]> {
  const artifacts = originalArtifacts(id);
  if (TEACHER_SPECS[id].format === 'graph') {
    const g = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    try {
      return g.execute(x, names) as tf.Tensor[];
    } finally {
      g.dispose();
    }
  }
  const full = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    if (full.inputs[0].shape[1] === x.shape[1]) {
      // Same input size as the original: an independent sub-model + predict path.
      const sub = tf.model({ inputs: full.inputs, outputs: names.map((n) => full.getLayer(n).output as tf.SymbolicTensor) });
      return sub.predict(x) as tf.Tensor[];
    }
    // InceptionV3 was built for 299²; execute() does not check the spatial size.
    return full.execute(x, names.map((n) => (full.getLayer(n).output as tf.SymbolicTensor).name)) as tf.Tensor[];
  } finally {
    full.dispose();
  }
}

const EXPECTED: Record<TeacherId, Record<string, { 256: [number, number, number][]; 320: [number, number, number][] }>> = {
  mobilenet_v2: {
    expand: { 256: [[64, 64, 144], [32, 32, 192], [16, 16, 576]], 320: [[80, 80, 144], [40, 40, 192], [20, 20, 576]] },
    imagenet: { 256: [[64, 64, 24], [32, 32, 32], [16, 16, 384]], 320: [[80, 80, 24], [40, 40, 32], [20, 20, 384]] },
  },
  mobilenet_v2_mid: {
    expand: { 256: [[64, 64, 192], [32, 32, 288], [16, 16, 816]], 320: [[80, 80, 192], [40, 40, 288], [20, 20, 816]] },
  },
  inception_v3: {
    default: { 256: [[60, 60, 192], [29, 29, 288], [14, 14, 768]], 320: [[76, 76, 192], [37, 37, 288], [18, 18, 768]] },
    imagenet: { 256: [[60, 60, 192], [29, 29, 288], [14, 14, 768]], 320: [[76, 76, 192], [37, 37, 288], [18, 18, 768]] },
  },
};

describe('fileSystemHandler', () => {
  it('round-trips arbitrary artifacts', async () => {
    const dir = path.join(root, 'io-roundtrip');
    const data = new Float32Array([1.5, -2, 3.25]);
    await fileSystemHandler(dir).save({
      modelTopology: { anything: [1, 'two', { three: 3 }] },
      format: 'custom',
      weightSpecs: [{ name: 'w', shape: [3], dtype: 'float32' }],
      weightData: data.buffer,
      userDefinedMetadata: { note: 'x' },
    });
    const back = await fileSystemHandler(dir).load();
    expect(back.modelTopology).toEqual({ anything: [1, 'two', { three: 3 }] });
    expect(back.format).toBe('custom');
    expect(back.userDefinedMetadata).toEqual({ note: 'x' });
    expect(back.weightSpecs).toEqual([{ name: 'w', shape: [3], dtype: 'float32' }]);
    expect(Array.from(new Float32Array(tf.io.CompositeArrayBuffer.join(back.weightData!)))).toEqual([1.5, -2, 3.25]);
  });
});

describe.each(TEACHER_IDS)('teacher %s', (id) => {
  it('writes meta.json and a size-agnostic truncated model', async () => {
    const meta = await readTeacherMeta(path.join(root, id));
    expect(meta).toMatchObject({ formatVersion: 2, id, format: 'graph', source: 'nsfwjs@4.4.0 (MIT)', inputRange: [0, 1], defaultInputSize: 256 });
    expect(Object.keys(meta.tapSets).sort()).toEqual(Object.keys(EXPECTED[id]).sort());
    const json = JSON.parse(await readFile(path.join(root, id, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const topo = JSON.stringify(json.modelTopology);
    expect(topo).not.toContain('dense_3'); // classifier head pruned (layers)
    expect(topo).not.toContain('Softmax'); // (graph)
    // Fused: no BatchNorm, padding or stand-alone activation op is left to make its own pass over memory.
    const ops = new Set((json.modelTopology as { node: { op: string }[] }).node.map((n) => n.op));
    for (const op of ['FusedBatchNormV3', 'FusedBatchNorm', 'Pad', 'Relu', 'Relu6', 'Conv2D', 'DepthwiseConv2dNative']) expect(ops.has(op)).toBe(false);
    // A converted model must not be re-converted without --force.
    expect((await convertTeacher(id, root)).skipped).toBe(true);
  });

  it('taps equal the original model intermediate outputs (224², rel 1e-4)', async () => {
    const meta = await readTeacherMeta(path.join(root, id));
    const sets = id === 'mobilenet_v2' ? Object.keys(meta.tapSets) : [meta.defaultTapSet];
    const x = randomImage(224, 7);
    for (const tapSet of sets) {
      const teacher = await loadTeacherFromDir(root, id, tapSet);
      const names = meta.tapSets[tapSet].map((t) => t.name);
      const ref = await referenceTaps(id, names, x);
      const got = teacher.features(x);
      expect(got.map((t) => t.shape)).toEqual(ref.map((t) => t.shape));
      expect(got.map((t) => t.shape.slice(1))).toEqual(teacher.tapShapes(224));
      for (let i = 0; i < got.length; i++) expect(relErr(got[i], ref[i]), `${tapSet}[${i}] ${names[i]}`).toBeLessThanOrEqual(1e-4);
      tf.dispose([...got, ...ref]);
      teacher.dispose();
    }
    x.dispose();
  });

  it('tap shapes at 256² and 320² match the specs', async () => {
    const meta = await readTeacherMeta(path.join(root, id));
    for (const tapSet of Object.keys(meta.tapSets)) {
      const teacher = await loadTeacherFromDir(root, id, tapSet);
      for (const size of [256, 320] as const) {
        expect(teacher.tapShapes(size)).toEqual(EXPECTED[id][tapSet][size]);
        // Full forward only where cheap or needed: every set at 256, the default set at 320.
        if (size === 320 && tapSet !== meta.defaultTapSet) continue;
        const shapes = tf.tidy(() => teacher.features(tf.zeros([1, size, size, 3]) as tf.Tensor4D).map((t) => t.shape.slice(1)));
        expect(shapes, `${tapSet} @${size}`).toEqual(EXPECTED[id][tapSet][size]);
      }
      teacher.dispose();
    }
  });
});

describe('Teacher', () => {
  it.each(TEACHER_IDS)('%s: does not leak tensors across features() calls', async (id) => {
    const teacher = await loadTeacherFromDir(root, id);
    const x = randomImage(64, 3);
    tf.dispose(teacher.features(x)); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const f = teacher.features(x);
      expect(f).toHaveLength(3);
      tf.dispose(f);
    }
    expect(tf.memory().numTensors).toBe(before);
    // Inside tidy() nothing survives either.
    tf.tidy(() => {
      teacher.features(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    teacher.dispose();
  });

  it('loads through a plain IOHandler and rejects unknown tap sets', async () => {
    const dir = path.join(root, 'mobilenet_v2');
    const meta = await readTeacherMeta(dir);
    await expect(Teacher.load(fileSystemHandler(dir), meta, 'nope')).rejects.toThrow(/unknown tap set/);
    const t = await Teacher.load(fileSystemHandler(dir), meta);
    expect(t.tapSet).toBe('expand');
    expect(t.channels).toEqual([144, 192, 576]);
    // Frozen: none of the teacher's variables is trainable (an optimizer without varList ignores them).
    const trainable = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    expect(trainable).toHaveLength(0);
    expect(tf.memory().numTensors).toBeGreaterThan(0);
    t.dispose();
  });
});
