/**
 * The worker's tfjs backend: start-up in a preference order (the preferred one first), with a note for
 * every backend skipped, and recovery from a lost GPU device — the lost backend is never chosen again,
 * the next one in the order starts, whatever lived on the old one is rebuilt there, and a
 * 'backend-changed' event says so.
 */
import * as tf from '@tensorflow/tfjs';
import { InferenceError, messageOf } from './errors';
import type { WorkerEvent } from './protocol';
import type { BackendInfo, BackendName } from './types';

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

  async ensureInit(preferred?: BackendName): Promise<BackendInfo> {
    if (this.info) return this.info;
    this.prepared ??= Promise.resolve(this.opts.prepareBackends?.());
    try {
      await this.prepared;
    } catch (e) {
      this.prepared = null;
      throw new InferenceError('backend', `backend setup failed: ${messageOf(e)}`);
    }
    const order = preferred ? [preferred, ...this.opts.order.filter((b) => b !== preferred)] : [...this.opts.order];
    const notes: string[] = [];
    const backend = await this.startFirst(order, notes);
    this.info = { backend, notes };
    return this.info;
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
    this.info = { backend, notes };
    this.opts.emit({ type: 'backend-changed', info: { backend, notes: [...notes] }, reason: `${reason.replace(/[.\s]+$/, '')}; switched from ${from} to ${backend}` });
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
