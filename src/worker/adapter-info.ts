/**
 * Browser-only: what GPU a backend would run on — the WebGL renderer string (WEBGL_debug_renderer_info)
 * or the WebGPU adapter's info — for the backend choice (a software adapter never wins over wasm) and
 * its cache key (another GPU or driver measures again). Kept out of browser-backends.ts, which sets the
 * backends up; this only describes them.
 */
import type { BackendName } from './types';

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const canvas = new OffscreenCanvas(1, 1);
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

async function webgpuAdapter(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) return null;
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p): p is string => !!p);
  // Chromium's fallback adapter is its CPU implementation (SwiftShader).
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) parts.push('fallback adapter (software)');
  return parts.join(' ') || 'unknown adapter';
}

/** The renderer / adapter description of a GPU backend, or null (wasm, cpu, or none available). */
export async function describeBrowserAdapter(name: BackendName): Promise<string | null> {
  try {
    if (name === 'webgl') return webglRenderer();
    if (name === 'webgpu') return await webgpuAdapter();
  } catch {
    // Unknown: the measurement still decides.
  }
  return null;
}
