/**
 * Inference requests in the worker: the active model's forward pass (forward-pass.ts), run again once
 * on the next backend when the GPU device is lost during it (its numbers cannot be trusted then), and the
 * requested views fused and smoothed here, with the UI's own MapSmoother, so that the UI thread has
 * only drawing left when a result arrives (a 256² blur is 10–30 ms there, the whole budget of a frame).
 */
import { MapSmoother, type MapView } from '../data/map-render';
import { MAX_MAP_SIGMA } from '../engine/anomaly-map';
import { FUSIONS } from '../engine/fusion';
import type { ActiveModel } from './active-model';
import type { BackendService } from './backends';
import { InferenceError, classifyError, isDeviceLost, messageOf } from './errors';
import { forwardPass } from './forward-pass';
import { checkPixels } from './pixels';
import type { InferResult, PixelsMessage } from './types';

/** More views than the UI ever asks for (current + model's own) would only be a way to stall the queue. */
const MAX_VIEWS = 4;

/** Checks the views of a request; throws InferenceError('input'). */
export function checkViews(views: readonly MapView[] | undefined): readonly MapView[] {
  if (views === undefined) return [];
  if (!Array.isArray(views) || views.length > MAX_VIEWS) throw new InferenceError('input', `at most ${MAX_VIEWS} map views per inference`);
  views.forEach((v, i) => {
    const ok = v && Array.isArray(v.scales) && v.scales.every((b: unknown) => typeof b === 'boolean') && FUSIONS.includes(v.fusion) && (v.nearest === undefined || typeof v.nearest === 'boolean');
    if (!ok) throw new InferenceError('input', `map view ${i + 1} is not { scales: boolean[], sigma, fusion: ${FUSIONS.join(' | ')}, nearest?: boolean }`);
    if (!(v.sigma >= 0 && v.sigma <= MAX_MAP_SIGMA)) throw new InferenceError('input', `map view ${i + 1}: σ must lie in 0…${MAX_MAP_SIGMA}, got ${String(v.sigma)}`);
  });
  return views;
}

/** The raw maps' requested views, smoothed; the time goes into the timings (smoothMs, and totalMs). */
function withViews(result: InferResult, views: readonly MapView[]): InferResult {
  if (views.length === 0) return result;
  const t0 = performance.now();
  const smoother = new MapSmoother(result.maps);
  const smoothed = views.map((v) => smoother.smoothView(v));
  const smoothMs = performance.now() - t0;
  return { ...result, smoothed, timings: { ...result.timings, smoothMs, totalMs: result.timings.totalMs + smoothMs } };
}

export class InferenceRunner {
  constructor(
    private readonly backends: BackendService,
    private readonly active: ActiveModel,
  ) {}

  /** One inference with the active model, and the views smoothed from its maps. */
  async infer(pixels: PixelsMessage, views?: readonly MapView[]): Promise<InferResult> {
    checkPixels(pixels);
    const wanted = checkViews(views);
    return withViews(await this.raw(pixels), wanted);
  }

  /** The forward pass; a device lost during it switches backend and runs it again there. */
  private async raw(pixels: PixelsMessage): Promise<InferResult> {
    await this.backends.ensureInit();
    await this.backends.recoverIfLost();
    const m = this.active.current;
    if (!m) throw new InferenceError('model', 'no model is loaded yet');
    let result: InferResult;
    try {
      result = await forwardPass(m.pipeline, pixels, this.backends.backend, m.evidence);
    } catch (e) {
      if (!(isDeviceLost(e) && this.backends.hasFallback())) throw classifyError(e, 'backend');
      await this.backends.fallBack(messageOf(e));
      return this.retry(pixels);
    }
    // The device may have been lost while this inference ran: its numbers cannot be trusted.
    if (this.backends.lostReason(this.backends.backend) !== null && this.backends.hasFallback()) {
      await this.backends.recoverIfLost();
      return this.retry(pixels);
    }
    return result;
  }

  private async retry(pixels: PixelsMessage): Promise<InferResult> {
    const m = this.active.current;
    if (!m) throw new InferenceError('model', 'no model is loaded after the backend change');
    try {
      return await forwardPass(m.pipeline, pixels, this.backends.backend, m.evidence);
    } catch (e) {
      throw classifyError(e, 'backend');
    }
  }
}
