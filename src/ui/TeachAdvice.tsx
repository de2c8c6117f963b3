/**
 * Above the Train button: the time the run will take (from a step timed on this machine's backend) and,
 * when the added photos lie outside the loaded model's normal range, the proposal to teach them as a new
 * product (fresh weights at the fresh learning rate).
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../data/format';
import { PRESET_LEARNING_RATE, selectActiveModel, selectTrainEstimateMs } from '../store';
import { useInspector } from './store-context';

function minutes(ms: number): string {
  return ms < 60_000 ? formatDuration(ms) : `${Math.round(ms / 60_000)} min`;
}

export function TeachAdvice() {
  const s = useInspector(
    useShallow((st) => ({
      refresh: st.refreshTeachAdvice,
      accept: st.acceptNewProduct,
      check: st.productCheck,
      timing: st.stepTiming,
      start: st.trainSettings.start,
      learningRate: st.trainSettings.learningRate,
      running: st.trainStatus === 'running',
      hasImages: st.trainImages.some((i) => i.status === 'ready'),
      // What the advice depends on: refreshed when one of these changes.
      deps: `${st.activeModelId}|${st.modelStatus}|${st.backend?.backend}|${st.trainImages.filter((i) => i.status === 'ready').map((i) => i.id).join(',')}`,
    })),
  );
  const estimate = useInspector(selectTrainEstimateMs);
  const model = useInspector(selectActiveModel);
  const { refresh, deps, running } = s;
  useEffect(() => {
    if (!running) void refresh();
  }, [refresh, deps, running]);

  const c = s.check;
  const proposing = c?.status === 'done' && c.newProduct;
  const accepted = s.start === 'fresh' && s.learningRate === PRESET_LEARNING_RATE.fresh;
  return (
    <div className="form-row teach-advice" data-testid="teach-advice" data-check={c?.status ?? ''} data-checked={c?.status === 'done' ? c.total : ''}>
      {proposing && (
        <p data-testid="new-product" data-accepted={accepted} className="new-product" role="status">
          {c.outside} of {c.total} photos lie far outside what {model ? `“${model.title}”` : 'the loaded model'} knows: this looks like a new product, best
          taught from fresh weights.{' '}
          {accepted ? (
            <strong>Training a new product from fresh weights.</strong>
          ) : (
            <button type="button" className="button button-small" data-testid="new-product-accept" disabled={running} onClick={s.accept}>
              Teach as a new product
            </button>
          )}
        </p>
      )}
      {c?.status === 'checking' && <span className="hint">Checking the photos against the loaded model…</span>}
      {s.hasImages && (
        <span data-testid="train-estimate" className="hint" data-ms={estimate ?? ''}>
          {estimate !== null && s.timing
            ? `≈ ${minutes(estimate)} on ${s.timing.backend} (one step here: ${(s.timing.stepMs / 1000).toFixed(1)} s at batch ${s.timing.batchSize})`
            : 'Timing one training step on this machine for an estimate…'}
        </span>
      )}
    </div>
  );
}
