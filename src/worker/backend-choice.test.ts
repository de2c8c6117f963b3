/** The backend choice by measurement: the rule (pure) and BackendService's measured / cached / forced start-up (Node: wasm and cpu). */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { chooseBackend, isSoftwareAdapter } from './backend-choice';
import { timeWarmUpInference } from './backend-probe';
import { BackendService, type BackendMeasure } from './backends';
import type { BackendName } from './types';

describe('chooseBackend', () => {
  it('takes the fastest, but a software adapter never wins over wasm', () => {
    const c = chooseBackend(
      [
        { backend: 'webgl', ms: 2400, adapter: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)' },
        { backend: 'wasm', ms: 200, adapter: null },
      ],
      'k',
    );
    expect(c).toMatchObject({ backend: 'wasm', how: 'measured', key: 'k', measuredMs: { webgl: 2400, wasm: 200 } });
    expect(c.reason).toBe('wasm — WebGL here is a software renderer, 12× slower');
    // Even when the software renderer measures faster.
    const fast = chooseBackend([{ backend: 'webgpu', ms: 50, adapter: 'google swiftshader fallback adapter (software)' }, { backend: 'wasm', ms: 200, adapter: null }], 'k');
    expect(fast.backend).toBe('wasm');
    expect(fast.reason).toBe('wasm — WebGPU here is a software renderer (never chosen over wasm)');
    const gpu = chooseBackend([{ backend: 'webgl', ms: 40, adapter: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060)' }, { backend: 'wasm', ms: 200, adapter: null }], 'k');
    expect(gpu).toMatchObject({ backend: 'webgl', reason: 'webgl — fastest here (40 ms; wasm 5.0× slower)' });
    // Only a software renderer started: it is used.
    expect(chooseBackend([{ backend: 'webgl', ms: 900, adapter: 'llvmpipe (LLVM 15.0.7, 256 bits)' }], 'k').backend).toBe('webgl');
    expect(() => chooseBackend([], 'k')).toThrow(/no backend/);
  });

  it('knows the software renderers by name', () => {
    for (const s of ['Google SwiftShader', 'llvmpipe (LLVM 12.0.0, 256 bits)', 'Microsoft Basic Render Driver', 'Mesa softpipe']) expect(isSoftwareAdapter(s)).toBe(true);
    for (const s of ['ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11)', 'Apple M2', null]) expect(isSoftwareAdapter(s)).toBe(false);
  });
});

describe('BackendService start-up by measurement (Node: cpu and wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // cpu plays a software GPU here: described as SwiftShader and measured faster, it must still lose to wasm.
  const measure = (timed: BackendName[]): BackendMeasure => ({
    describe: async (name) => (name === 'webgl' ? 'Google SwiftShader' : null),
    time: async () => {
      timed.push(tf.getBackend() as BackendName);
      return tf.getBackend() === 'cpu' ? 10 : 50;
    },
    workload: 'test-workload',
  });
  const service = (m: BackendMeasure, order: BackendName[]) =>
    new BackendService({ order, measure: m, release: () => null, emit: () => undefined, onDeviceLost: () => undefined });

  it('measures every backend that starts, picks the fastest real one, and a cached choice with the same key starts without measuring', async () => {
    const timed: BackendName[] = [];
    const first = await service(measure(timed), ['cpu', 'wasm']).ensureInit();
    expect(timed).toEqual(['cpu', 'wasm']);
    expect(first.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(first.choice).toMatchObject({ backend: 'cpu', how: 'measured', measuredMs: { cpu: 10, wasm: 50 } });
    expect(first.choice!.key).toContain('test-workload');

    const again: BackendName[] = [];
    const second = await service(measure(again), ['cpu', 'wasm']).ensureInit(undefined, { ...first.choice!, backend: 'wasm' });
    expect(again).toEqual([]);
    expect(second).toMatchObject({ backend: 'wasm', choice: { how: 'cached', backend: 'wasm' } });
    expect(tf.getBackend()).toBe('wasm');

    // Another key (another GPU, browser or workload): measured again.
    const other: BackendName[] = [];
    await service(measure(other), ['cpu', 'wasm']).ensureInit(undefined, { ...first.choice!, key: 'another machine' });
    expect(other).toEqual(['cpu', 'wasm']);

    // Forced: no measurement, and the reason says so.
    const forced: BackendName[] = [];
    const f = await service(measure(forced), ['cpu', 'wasm']).ensureInit('wasm');
    expect(forced).toEqual([]);
    expect(f.choice).toMatchObject({ backend: 'wasm', how: 'forced', reason: 'wasm — chosen with ?backend=' });
  });

  it('the software rule holds in the service too', async () => {
    const m = measure([]);
    const soft: BackendMeasure = { ...m, describe: async (name) => (name === 'cpu' ? 'Google SwiftShader' : null) };
    const info = await service(soft, ['cpu', 'wasm']).ensureInit();
    expect(info.backend).toBe('wasm');
    expect(info.choice!.reason).toBe('wasm — cpu here is a software renderer (never chosen over wasm)');
  });

  it('the real warm-up inference runs on wasm and leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ms = await timeWarmUpInference();
    expect(ms).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
