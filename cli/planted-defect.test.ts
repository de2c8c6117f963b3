/**
 * End to end on the real converted teacher and the wasm backend with the project's gradient kernels:
 * train a small student for a few epochs on generated normal textures, then check that a defect
 * planted into test images is found (image AUROC) and localised (pixel AUROC) — a run whose student
 * learned nothing, or whose map points elsewhere, fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap } from '../src/engine/anomaly-map';
import { ReverseDistillationPipeline } from '../src/engine/pipeline';
import { TeacherFeatureCache } from '../src/engine/feature-cache';
import { SeededRandom } from '../src/engine/random';
import { Student } from '../src/engine/student';
import { Trainer, DEFAULT_TRAIN_CONFIG } from '../src/engine/train';
import { auroc } from '../src/metrics';
import { initBackend } from './lib/backend';
import { loadTeacher } from './lib/model-bundle';
import type { Teacher } from '../src/engine/teacher';

const SIZE = 128;

/** A woven-looking texture: two crossed sinusoid gratings with random phase, contrast and noise. */
function texture(rng: SeededRandom): Float32Array {
  const out = new Float32Array(SIZE * SIZE * 3);
  const px = rng.next() * 2 * Math.PI;
  const py = rng.next() * 2 * Math.PI;
  const gain = 0.85 + 0.3 * rng.next();
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = 0.5 + 0.2 * gain * Math.sin((2 * Math.PI * x) / 8 + px) * Math.sin((2 * Math.PI * y) / 8 + py) + 0.03 * rng.normal();
      const i = (y * SIZE + x) * 3;
      out[i] = Math.min(1, Math.max(0, v * 0.9));
      out[i + 1] = Math.min(1, Math.max(0, v * 0.8));
      out[i + 2] = Math.min(1, Math.max(0, v * 0.6));
    }
  }
  return out;
}

/** Plants a dark elliptical stain; returns its mask. */
function plantStain(img: Float32Array, rng: SeededRandom): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE);
  const cx = 24 + rng.next() * (SIZE - 48);
  const cy = 24 + rng.next() * (SIZE - 48);
  const rx = 6 + rng.next() * 6;
  const ry = 6 + rng.next() * 6;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) {
        mask[y * SIZE + x] = 1;
        for (let c = 0; c < 3; c++) img[(y * SIZE + x) * 3 + c] *= 0.25;
      }
    }
  }
  return mask;
}

describe('planted defect, end to end', () => {
  let teacher: Teacher;
  beforeAll(async () => {
    await initBackend('wasm');
    teacher = await loadTeacher('mobilenet_v2', undefined);
  });

  it('a few epochs on generated normals localise a planted stain (pixel AUROC > 0.9)', async () => {
    const baseline = tf.memory().numTensors;
    const rng = new SeededRandom(42);
    const train = Array.from({ length: 24 }, () => texture(rng));
    const cache = await TeacherFeatureCache.build(teacher, train.length, (i) => tf.tensor4d(train[i], [1, SIZE, SIZE, 3]));
    const student = new Student({ tapChannels: teacher.channels as [number, number, number], widths: [16, 32, 64], embedChannels: 96, decoderBlocks: 1 }, 1);
    const trainer = new Trainer(student, cache, { ...DEFAULT_TRAIN_CONFIG, epochs: 8, batchSize: 8, seed: 1 });
    const losses = await trainer.run();
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

    const pipeline = new ReverseDistillationPipeline(teacher, student, SIZE, 2);
    const scores: number[] = [];
    const labels: number[] = [];
    const pixelScores: number[] = [];
    const pixelLabels: number[] = [];
    for (let i = 0; i < 16; i++) {
      const img = texture(rng);
      const anomalous = i % 2 === 1;
      const mask = anomalous ? plantStain(img, rng) : new Uint8Array(SIZE * SIZE);
      const x = tf.tensor4d(img, [1, SIZE, SIZE, 3]);
      const r = pipeline.infer(x);
      scores.push(r.scores.dataSync()[0]);
      labels.push(anomalous ? 1 : 0);
      const map = r.map.dataSync();
      for (let p = 0; p < map.length; p++) {
        pixelScores.push(map[p]);
        pixelLabels.push(mask[p]);
      }
      tf.dispose(x);
      disposeAnomalyMap(r);
    }
    const imageAuroc = auroc(scores, labels);
    const pixelAuroc = auroc(pixelScores, pixelLabels);
    console.log(`planted defect: image AUROC ${imageAuroc.toFixed(3)}, pixel AUROC ${pixelAuroc.toFixed(3)}, losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    expect(imageAuroc).toBeGreaterThan(0.9);
    expect(pixelAuroc).toBeGreaterThan(0.9);
    trainer.dispose();
    student.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
