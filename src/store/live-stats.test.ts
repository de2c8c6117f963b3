import { describe, expect, it } from 'vitest';
import { LiveMeter, percentile } from './live-stats';

describe('live throughput', () => {
  it('nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5], 0.95)).toBe(5);
    const v = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1
    expect(percentile(v, 0.5)).toBe(10);
    expect(percentile(v, 0.95)).toBe(19);
  });

  it('fps over the last three seconds, latency over the last 60 frames, dropped frames summed', () => {
    const m = new LiveMeter();
    expect(m.stats()).toEqual({ fps: 0, p50: null, p95: null, frames: 0, dropped: 0 });
    m.record(0, 100);
    expect(m.stats().fps).toBe(0);
    for (let i = 1; i <= 10; i++) m.record(i * 250, 100 + i, 2);
    const s = m.stats();
    expect(s.fps).toBeCloseTo(4, 9);
    expect(s.frames).toBe(11);
    expect(s.dropped).toBe(20);
    expect(s.p50).toBe(105);
    expect(s.p95).toBe(110);
    // After a pause only the recent frames count.
    m.record(10_000, 50);
    m.record(10_500, 50);
    expect(m.stats().fps).toBeCloseTo(2, 9);
    for (let i = 0; i < 70; i++) m.record(11_000 + i, 7);
    expect(m.stats().p95).toBe(7);
  });
});
