import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Student, StudentConfig } from '../../src/engine/student';
import { Trainer, DEFAULT_TRAIN_CONFIG, TrainerState } from '../../src/engine/train';
import { initBackend } from './backend';
import { loadCheckpoint, loadStudentWeights, saveCheckpoint, saveStudentWeights } from './model-bundle';

const CONFIG: StudentConfig = { tapChannels: [5, 6, 7], widths: [4, 6, 8], embedChannels: 8, decoderBlocks: 1 };

describe('checkpoints on disk', () => {
  let dir: string;
  let data: tf.Tensor4D[];
  const source = { count: 6, batch: (idx: number[]) => data.map((d) => tf.gather(d, idx)) as tf.Tensor4D[] };
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(path.join(tmpdir(), 'rd-ckpt-'));
    data = [
      tf.randomUniform([6, 16, 16, 5], 0, 1, 'float32', 1),
      tf.randomUniform([6, 8, 8, 6], 0, 1, 'float32', 2),
      tf.randomUniform([6, 4, 4, 7], 0, 1, 'float32', 3),
    ] as tf.Tensor4D[];
  });
  afterAll(() => {
    tf.dispose(data);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run resumed from a checkpoint file continues exactly like an uninterrupted one', async () => {
    const cfg = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 3, seed: 3 };
    const full = new Student(CONFIG, 5);
    const t1 = new Trainer(full, source, cfg);
    const fullLosses = await t1.run();

    const part = new Student(CONFIG, 5);
    const t2 = new Trainer(part, source, { ...cfg, epochs: 2 });
    const ck = path.join(dir, 'checkpoint');
    await t2.run({
      onEpochEnd: async () => {
        const opt = await t2.optimizerState();
        await saveCheckpoint(ck, part, opt, t2.state);
        tf.dispose(opt.map((o) => o.tensor));
      },
    });
    const loaded = await loadCheckpoint<TrainerState>(ck);
    const t3 = new Trainer(loaded.student, source, cfg);
    await t3.restoreOptimizerState(loaded.optimizer);
    tf.dispose(loaded.optimizer.map((o) => o.tensor));
    t3.state = loaded.state;
    expect(loaded.state.epoch).toBe(2);
    const resumed = await t3.run();
    for (let i = 0; i < 4; i++) expect(resumed[i]).toBeCloseTo(fullLosses[i], 5);
    [t1, t2, t3].forEach((t) => t.dispose());
    [full, part, loaded.student].forEach((s) => s.dispose());
  });

  it('student weights round-trip through model.json + weights.bin', async () => {
    const s = new Student(CONFIG, 9);
    await saveStudentWeights(path.join(dir, 'w'), s);
    const back = await loadStudentWeights(path.join(dir, 'w'));
    const taps = source.batch([0, 1]);
    const a = s.predict(taps);
    const b = back.predict(taps);
    for (let k = 0; k < 3; k++) expect(tf.max(tf.abs(tf.sub(a[k], b[k]))).dataSync()[0]).toBe(0);
    tf.dispose([...taps, ...a, ...b]);
    s.dispose();
    back.dispose();
    await expect(loadStudentWeights(path.join(dir, 'nothing-here'))).rejects.toThrow(/no model.json/);
  });
});
