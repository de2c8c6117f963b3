/**
 * Throughput of the live camera: frames per second over the last seconds and the latency from grabbing
 * a frame to its map being ready (median and 95th percentile of the last frames). Pure.
 */

export interface LiveStats {
  /** Finished frames per second over the window (0 until two frames finished). */
  fps: number;
  /** ms; null until a frame finished. */
  p50: number | null;
  p95: number | null;
  /** Frames finished since the camera started. */
  frames: number;
  /** Camera frames never analysed because the model was busy (dropped, never queued). */
  dropped: number;
}

export const EMPTY_LIVE_STATS: LiveStats = { fps: 0, p50: null, p95: null, frames: 0, dropped: 0 };

/** fps is measured over this many ms of finished frames. */
const FPS_WINDOW_MS = 3000;
/** Latency percentiles over this many last frames. */
const LATENCY_FRAMES = 60;

/** Nearest-rank percentile (q in 0..1) of values, or null when empty. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export class LiveMeter {
  private doneAt: number[] = [];
  private latencies: number[] = [];
  private frames = 0;
  private dropped = 0;

  /** One analysed frame: when it finished, how long since it was grabbed, and how many frames were skipped before it. */
  record(doneAt: number, latencyMs: number, skipped = 0): LiveStats {
    this.frames++;
    this.dropped += Math.max(0, skipped);
    this.doneAt.push(doneAt);
    while (this.doneAt.length > 1 && doneAt - this.doneAt[0] > FPS_WINDOW_MS) this.doneAt.shift();
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_FRAMES) this.latencies.shift();
    return this.stats();
  }

  stats(): LiveStats {
    const n = this.doneAt.length;
    const span = n > 1 ? this.doneAt[n - 1] - this.doneAt[0] : 0;
    return {
      fps: span > 0 ? ((n - 1) * 1000) / span : 0,
      p50: percentile(this.latencies, 0.5),
      p95: percentile(this.latencies, 0.95),
      frames: this.frames,
      dropped: this.dropped,
    };
  }
}
