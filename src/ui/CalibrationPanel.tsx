/** The active model's threshold evidence: held-out and training scores as a histogram, and the rule. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { TrainCalibration } from '../store';
import { CalibrationChart } from './charts';
import { useInspector } from './store-context';

/** The threshold's evidence: held-out and training scores of the normal images. */
export function CalibrationPanel() {
  const { meta, outcome, activeId } = useInspector(useShallow((st) => ({ meta: st.meta, outcome: st.trainOutcome, activeId: st.activeModelId })));
  // The active model's stored scores (also for a saved model opened later), else the last run's. Memoised:
  // a new object on every render would make the histogram re-bin and re-draw.
  const calibration = useMemo((): TrainCalibration | null => {
    const c = meta?.calibration;
    if (c && (c.heldOutScores?.length || c.trainingScores?.length)) {
      return { heldOut: c.heldOutScores ?? [], training: c.trainingScores ?? [], threshold: c.threshold, rule: c.rule, optimistic: !!c.optimistic };
    }
    return outcome?.calibration && outcome.model?.id === activeId ? outcome.calibration : null;
  }, [meta, outcome, activeId]);
  if (!calibration) {
    return (
      <section className="panel calibration" aria-labelledby="calibration-heading">
        <h2 id="calibration-heading" className="panel-title">
          Calibration
        </h2>
        <p className="muted small">After training, the scores of your normal images and the threshold drawn from them appear here.</p>
      </section>
    );
  }
  return (
    <section className="panel calibration" aria-labelledby="calibration-heading">
      <h2 id="calibration-heading" className="panel-title">
        Calibration
        {calibration.optimistic && (
          <span className="chip chip-pending badge-optimistic" data-testid="calibration-optimistic" title="No image could be held out: the threshold comes from the training images' own scores">
            optimistic
          </span>
        )}
      </h2>
      <div data-testid="calibration-histogram" className="chart-box" data-threshold={calibration.threshold} data-held-out={calibration.heldOut.length} data-training={calibration.training.length}>
        <CalibrationChart calibration={calibration} />
      </div>
      <p className="small calibration-rule" data-testid="calibration-rule">
        Threshold <strong>{calibration.threshold.toFixed(4)}</strong> — {calibration.rule}
      </p>
      <p className="muted small">
        {calibration.heldOut.length} held-out and {calibration.training.length} training image scores. The threshold holds for the model’s default map
        settings (σ {meta?.map.sigma ?? '?'}, scales {(meta?.map.scales ?? [1, 2, 3]).map((k) => `M${k}`).join('+')}{meta?.evidence ? ' + nearest neighbour' : ''}).
      </p>
    </section>
  );
}
