/**
 * Camera-mode throughput for `npm run bench:browser`: the app itself (index.html of the bench build)
 * in headless Chromium with the fake camera playing a gallery video (camera-video.ts), the live view
 * started as a user would, and the store's live statistics read over a measuring window: analysed
 * frames per second, latency from grabbing a frame to its map (p50 / p95 of the last 60 frames),
 * camera frames dropped while the model was busy, and the longest main-thread task.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, openApp } from '../../harness/browser';
import { writeCameraVideo } from './camera-video';

export interface CameraBenchOptions {
  baseUrl: string;
  publicDir: string;
  backend: 'wasm' | 'webgl' | 'webgpu';
  model: string;
  /** Measuring window after a warm-up. */
  seconds: number;
  extraFlags: readonly string[];
}

export interface CameraBenchResult {
  backend: string;
  frame: { width: number; height: number; fps: number };
  inputSize: number | null;
  seconds: number;
  framesAnalysed: number;
  fps: number;
  p50Ms: number | null;
  p95Ms: number | null;
  droppedFrames: number;
  longestTaskMs: number;
}

interface LiveStatsLike {
  frames: number;
  dropped: number;
  p50: number | null;
  p95: number | null;
}

const WARMUP_MS = 4000;
const CAMERA_FPS = 30;

export async function measureCamera(o: CameraBenchOptions): Promise<CameraBenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-camera-bench-'));
  try {
    const video = path.join(dir, 'camera.y4m');
    const v = await writeCameraVideo({ out: video, publicDir: o.publicDir, category: o.model, segmentFrames: 30, cycles: 1, fps: CAMERA_FPS, pad: 64 });
    const browser = await launchChromium([...o.extraFlags, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    try {
      const app = await openApp(browser, o.baseUrl, `?backend=${o.backend}&model=${encodeURIComponent(o.model)}`);
      const { page } = app;
      await page.getByTestId('model-status').filter({ hasText: /ready/i }).waitFor({ timeout: 300_000 });
      await page.getByTestId('camera-toggle').click();
      await page.getByTestId('camera-start').click();
      await page.locator('[data-testid="live-heat"][data-frame]').waitFor({ timeout: 300_000 });
      await page.waitForTimeout(WARMUP_MS);
      const read = () =>
        page.evaluate(() => {
          const s = (window as unknown as { __rdInspector: { store: { getState(): { liveStats: LiveStatsLike; backend: { backend: string } | null; modelInfo: { inputSize: number } | null } } } }).__rdInspector.store.getState();
          return { stats: s.liveStats, backend: s.backend?.backend ?? '?', inputSize: s.modelInfo?.inputSize ?? null, at: performance.now() };
        });
      const start = await read();
      await app.resetLongTasks();
      await page.waitForTimeout(o.seconds * 1000);
      const end = await read();
      const longest = Math.max(0, ...(await app.longTasks()));
      await page.getByTestId('camera-stop').click();
      const frames = end.stats.frames - start.stats.frames;
      return {
        backend: end.backend,
        frame: { width: v.width, height: v.height, fps: CAMERA_FPS },
        inputSize: end.inputSize,
        seconds: (end.at - start.at) / 1000,
        framesAnalysed: frames,
        fps: (frames * 1000) / (end.at - start.at),
        p50Ms: end.stats.p50,
        p95Ms: end.stats.p95,
        droppedFrames: end.stats.dropped - start.stats.dropped,
        longestTaskMs: longest,
      };
    } finally {
      await browser.close().catch(() => undefined);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for the text report. */
export function cameraLine(r: CameraBenchResult): string {
  const ms = (x: number | null) => (x === null ? '-' : x.toFixed(0));
  return `camera (${r.backend}, fake camera ${r.frame.width}×${r.frame.height} at ${r.frame.fps} fps, centre crop → ${r.inputSize ?? '?'}²): ` +
    `${r.fps.toFixed(1)} analysed frames/s over ${r.seconds.toFixed(0)} s (${r.framesAnalysed} frames), latency p50 ${ms(r.p50Ms)} ms / p95 ${ms(r.p95Ms)} ms, ` +
    `${r.droppedFrames} camera frames dropped while busy, longest main-thread task ${r.longestTaskMs.toFixed(0)} ms`;
}
