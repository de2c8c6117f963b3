/**
 * Inference requests in the worker: the active model's forward pass (forward-pass.ts), run again once
 * on the next backend when the GPU device is lost during it (its numbers cannot be trusted then).
 */
import type { ActiveModel } from './active-model';
import type { BackendService } from './backends';
import { InferenceError, classifyError, isDeviceLost, messageOf } from './errors';
import { forwardPass } from './forward-pass';
import { checkPixels } from './pixels';
import type { InferResult, PixelsMessage } from './types';

export class InferenceRunner {
  constructor(
    private readonly backends: BackendService,
    private readonly active: ActiveModel,
  ) {}

  /** One inference with the active model; a device lost during it switches backend and runs it again there. */
  async infer(pixels: PixelsMessage): Promise<InferResult> {
    checkPixels(pixels);
    await this.backends.ensureInit();
    await this.backends.recoverIfLost();
    const m = this.active.current;
    if (!m) throw new InferenceError('model', 'no model is loaded yet');
    let result: InferResult;
    try {
      result = await forwardPass(m.pipeline, pixels, this.backends.backend);
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
      return await forwardPass(m.pipeline, pixels, this.backends.backend);
    } catch (e) {
      throw classifyError(e, 'backend');
    }
  }
}
