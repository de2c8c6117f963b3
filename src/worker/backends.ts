/**
 * The worker's tfjs backend: start-up by measurement (every backend that starts times a warm-up
 * inference and backend-choice.ts picks one; a choice cached by the page for the same browser, GPU and
 * workload is used without measuring), or in a preference order (a forced one first; also where no
 * measurement is configured, as in Node), with a note for every backend skipped, and recovery from a lost GPU device — the lost backend is never chosen again,
 * the next one in the order starts, whatever lived on the old one is rebuilt there, and a
 * 'backend-changed' event says so.
 */
import * as tf from '@tensorflow/tfjs';
import { InferenceError, messageOf } from './errors';
import type { WorkerEvent } from './protocol';
import { chooseBackend, type BackendMeasurement } from './backend-choice';
import type { BackendChoice, BackendInfo, BackendName } from './types';

/** How to measure the backends (the browser worker); without it the first backend that starts is used. */
export interface BackendMeasure {
  /** The GPU a backend would run on (WebGL renderer / WebGPU adapter), or null. */
  describe(name: BackendName): Promise<string | null>;
  /** One timed warm-up inference on the active backend, ms. */
  time(): Promise<number>;
  /** Names the timed workload in the cache key. */
  workload: string;
}

export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm'];

export interface BackendOptions {
  /** Preference order when init() names no backend, and the fall-back chain. */
  order: readonly BackendName[];
  /** Runs once before the first backend is started (wasm paths, gradient kernels). */
  prepareBackends?: () => void | Promise<void>;
  /** Why a backend cannot start here (becomes a note), or null to try it. */
  probeBackend?: (name: BackendName) => Promise<string | null>;
  /** Before leaving a backend: frees what lives on it and returns how to rebuild it on the next one (or null). */
  release: () => (() => Promise<unknown>) | null;
  emit: (event: WorkerEvent) => void;
  measure?: BackendMeasure;
  /** Threads the started backend computes on, where it has several (wasm: XNNPACK threads); null to say nothing. */
  threadsOf?: (name: BackendName) => number | null;
  /** Called when the current backend's device reports itself lost (WebGPU's `device.lost`). */
  onDeviceLost: (reason: string) => void;
}

export class BackendService {
  private prepared: Promise<void> | null = null;
  private info: BackendInfo | null = null;
  /** Backends whose device was lost this session: never chosen again. */
  private readonly dead = new Set<BackendName>();
  /** Set when the current backend reports its device lost; handled before the next operation. */
  private lost: { backend: BackendName; reason: string } | null = null;
  /** Bumped on every backend switch, so a stale device-lost notification is ignored. */
  private generation = 0;

  constructor(private readonly opts: BackendOptions) {}

  /** The active backend, or null before init. */
  get backend(): BackendName | null {
    return this.info?.backend ?? null;
  }

  /** Why the device of `backend` was lost, when it was (null otherwise). */
  lostReason(backend: BackendName | null): string | null {
    return this.lost !== null && this.lost.backend === backend ? this.lost.reason : null;
  }

  /** Records that the current backend's device is lost; recoverIfLost acts on it. */
  markLost(reason: string, backend = this.backend): void {
    if (backend) this.lost = { backend, reason };
  }

  /**
   * Starts the backend once: `preferred` when given (forced), else the measured choice — the `cached` one
   * when its key matches this browser, GPU and workload — else (no measurement configured) the order.
   */
  async ensureInit(preferred?: BackendName, cached?: BackendChoice | null): Promise<BackendInfo> {
    if (this.info) return this.info;
    this.prepared ??= Promise.resolve(this.opts.prepareBackends?.());
    try {
      await this.prepared;
    } catch (e) {
      this.prepared = null;
      throw new InferenceError('backend', `backend setup failed: ${messageOf(e)}`);
    }
    const notes: string[] = [];
    const measure = this.opts.measure;
    if (!preferred && measure) {
      this.info = this.withThreads(await this.startMeasured(measure, cached ?? null, notes));
      return this.info;
    }
    const order = preferred ? [preferred, ...this.opts.order.filter((b) => b !== preferred)] : [...this.opts.order];
    const backend = await this.startFirst(order, notes);
    const choice: BackendChoice | undefined =
      preferred && measure ? { backend, how: 'forced', reason: backend === preferred ? `${backend} — chosen with ?backend=` : `${backend} — ?backend=${preferred} did not start`, measuredMs: {}, key: '' } : undefined;
    this.info = this.withThreads({ backend, notes, ...(choice ? { choice } : {}) });
    return this.info;
  }

  private withThreads(info: BackendInfo): BackendInfo {
    const threads = this.opts.threadsOf?.(info.backend) ?? null;
    return threads === null ? info : { ...info, threads };
  }

  /** The cache key of a measurement here: user agent, every GPU backend's adapter description, the workload. */
  private async measurementKey(measure: BackendMeasure): Promise<string> {
    const ua = (globalThis.navigator as { userAgent?: string } | undefined)?.userAgent ?? 'no user agent';
    const gpus: string[] = [];
    for (const name of this.opts.order) {
      if (name === 'webgl' || name === 'webgpu') gpus.push(`${name}=${(await measure.describe(name)) ?? 'none'}`);
    }
    return [ua, ...gpus, measure.workload].join(' | ');
  }

  private async startMeasured(measure: BackendMeasure, cached: BackendChoice | null, notes: string[]): Promise<BackendInfo> {
    const key = await this.measurementKey(measure);
    if (cached && cached.key === key && this.opts.order.includes(cached.backend)) {
      const backend = await this.startFirst([cached.backend, ...this.opts.order.filter((b) => b !== cached.backend)], notes);
      if (backend === cached.backend) return { backend, notes, choice: { ...cached, how: 'cached' } };
    }
    const measured: BackendMeasurement[] = [];
    for (const name of this.opts.order) {
      if (this.dead.has(name)) continue;
      try {
        const why = (await this.opts.probeBackend?.(name)) ?? null;
        if (why) {
          notes.push(`${name}: ${why}`);
          continue;
        }
        if (!((await tf.setBackend(name)) && tf.getBackend() === name)) {
          notes.push(`${name}: not available`);
          continue;
        }
        await tf.ready();
        measured.push({ backend: name, ms: await measure.time(), adapter: await measure.describe(name) });
      } catch (e) {
        notes.push(`${name}: ${messageOf(e)}`);
      }
    }
    if (measured.length === 0) throw new InferenceError('backend', `no tfjs backend could start (${notes.join('; ') || 'none to try'})`);
    const choice = chooseBackend(measured, key);
    await tf.setBackend(choice.backend);
    await tf.ready();
    this.generation++;
    this.watchDevice(choice.backend);
    return { backend: choice.backend, notes, choice };
  }

  hasFallback(): boolean {
    return this.fallbackCandidates().length > 0;
  }

  /** Leaves the lost backend if there is a lost one (see fallBack); throws 'backend' when none is left. */
  async recoverIfLost(): Promise<void> {
    if (!this.lost) return;
    const { backend, reason } = this.lost;
    if (backend !== this.backend) {
      this.lost = null;
      return;
    }
    if (!this.hasFallback()) {
      this.lost = null;
      throw new InferenceError('backend', `${reason}; no other backend to fall back to`);
    }
    await this.fallBack(reason);
  }

  /** Leaves the current backend for good: next backend in the order, the released state rebuilt there, event emitted. */
  async fallBack(reason: string): Promise<void> {
    const from = this.backend!;
    const candidates = this.fallbackCandidates();
    this.lost = null;
    this.dead.add(from);
    const rebuild = this.opts.release();
    const notes = [`${from}: ${reason}`];
    let backend: BackendName;
    try {
      backend = await this.startFirst(candidates, notes);
    } catch (e) {
      this.info = null; // the next request tries every backend still alive
      throw e;
    }
    this.info = this.withThreads({ backend, notes });
    this.opts.emit({ type: 'backend-changed', info: { ...this.info, notes: [...notes] }, reason: `${reason.replace(/[.\s]+$/, '')}; switched from ${from} to ${backend}` });
    if (rebuild) await rebuild();
  }

  /** Test hook: destroys the current backend's GPU device (WebGPU); its `lost` promise then drives the fall-back. */
  loseDevice(): void {
    const device = (tf.backend() as unknown as { device?: { destroy?: () => void } }).device;
    if (!this.backend || typeof device?.destroy !== 'function') {
      throw new InferenceError('backend', `the ${this.backend ?? 'current'} backend has no GPU device to lose`);
    }
    device.destroy();
  }

  private async startFirst(order: readonly BackendName[], notes: string[]): Promise<BackendName> {
    for (const name of order) {
      if (this.dead.has(name)) {
        notes.push(`${name}: its device was lost earlier`);
        continue;
      }
      try {
        const why = (await this.opts.probeBackend?.(name)) ?? null;
        if (why) {
          notes.push(`${name}: ${why}`);
          continue;
        }
        if ((await tf.setBackend(name)) && tf.getBackend() === name) {
          await tf.ready();
          this.generation++;
          this.watchDevice(name);
          return name;
        }
        notes.push(`${name}: not available`);
      } catch (e) {
        notes.push(`${name}: ${messageOf(e)}`);
      }
    }
    throw new InferenceError('backend', `no tfjs backend could start (${notes.join('; ') || 'none to try'})`);
  }

  /** Subscribes to the WebGPU device's `lost` promise (other backends have none). */
  private watchDevice(name: BackendName): void {
    const generation = this.generation;
    const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
    void device?.lost?.then((info) => {
      if (generation !== this.generation) return;
      this.opts.onDeviceLost(`${name} device lost${info?.message ? `: ${info.message}` : ''}`);
    });
  }

  private fallbackCandidates(): BackendName[] {
    const from = this.backend;
    const order = this.opts.order;
    const i = from ? order.indexOf(from) : -1;
    const after = i >= 0 ? order.slice(i + 1) : order.filter((b) => b !== from);
    return after.filter((b) => !this.dead.has(b));
  }
}
