/**
 * Which backend to run on, from measurement: every backend that starts here runs the same short warm-up
 * inference (backend-probe.ts) and the fastest wins — except that a software adapter (SwiftShader,
 * llvmpipe, Microsoft Basic Render; from the WebGL renderer string or the WebGPU adapter info) never wins
 * over wasm: on a machine without a usable GPU it is what the browser emulates the GPU with, many times
 * slower than wasm for training and unsteady (its timing is dominated by shader compilation). It still
 * wins where nothing else starts. Pure logic (no tfjs), so its rules are tested in Node.
 */
import type { BackendChoice, BackendName } from './types';

/** Renderer / adapter strings of the software rasterisers browsers fall back to. */
const SOFTWARE_PATTERN = /swiftshader|llvmpipe|softpipe|lavapipe|basic render|software|mesa offscreen/i;

export function isSoftwareAdapter(description: string | null): boolean {
  return description !== null && SOFTWARE_PATTERN.test(description);
}

export interface BackendMeasurement {
  backend: BackendName;
  /** Warm-up inference after the first (compiling) one, ms. */
  ms: number;
  /** Renderer string (WebGL) or adapter description (WebGPU); null for wasm / cpu or when unknown. */
  adapter: string | null;
}

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'wasm', cpu: 'cpu' };

function times(slow: number, fast: number): string {
  const r = slow / fast;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
}

/** The fastest backend that is not a software adapter (unless only those started), with the reason in words. */
export function chooseBackend(measured: readonly BackendMeasurement[], key: string): BackendChoice {
  if (measured.length === 0) throw new Error('no backend was measured');
  const real = measured.filter((m) => !isSoftwareAdapter(m.adapter));
  const pool = real.length > 0 ? real : measured;
  const best = pool.reduce((a, b) => (b.ms < a.ms ? b : a));
  const measuredMs: Partial<Record<BackendName, number>> = {};
  for (const m of measured) measuredMs[m.backend] = m.ms;
  const software = measured.filter((m) => isSoftwareAdapter(m.adapter) && m.backend !== best.backend);
  let reason: string;
  if (software.length > 0) {
    const s = software.reduce((a, b) => (b.ms < a.ms ? b : a));
    const slower = s.ms > best.ms ? `, ${times(s.ms, best.ms)} slower` : ' (never chosen over wasm)';
    reason = `${best.backend} — ${LABEL[s.backend]} here is a software renderer${slower}`;
  } else if (pool.length === 1) {
    reason = isSoftwareAdapter(best.adapter) ? `${best.backend} — the only backend that started (a software renderer)` : `${best.backend} — the only backend that started`;
  } else {
    const runnerUp = pool.filter((m) => m !== best).reduce((a, b) => (b.ms < a.ms ? b : a));
    reason = `${best.backend} — fastest here (${Math.round(best.ms)} ms; ${runnerUp.backend} ${times(runnerUp.ms, best.ms)} slower)`;
  }
  return { backend: best.backend, how: 'measured', reason, measuredMs, key };
}
