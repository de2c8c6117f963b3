/** Under the viewer: score and verdict, the threshold with where it came from, colorbar, cursor value, PNG exports. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SmoothedMap } from '../data/map-render';
import { scalesFromMeta, scoreVerdict, THRESHOLD_MIN, type ImageItem, type ModelMeta, type ScaleSelection } from '../store';
import { Colorbar } from './Colorbar';
import { CursorValue, type CursorChannel } from './CursorValue';
import { exportPng } from './heatmap-draw';
import { useInspector } from './store-context';

function scalesLabel(sel: ScaleSelection): string {
  return sel
    .map((on, k) => (on ? `M${k + 1}` : ''))
    .filter(Boolean)
    .join('+');
}

interface ViewerReadoutProps {
  item: ImageItem | null;
  smoothed: SmoothedMap | null;
  heat: HTMLCanvasElement | null;
  range: [number, number];
  meta: ModelMeta | null;
  cursor: CursorChannel;
}

export function ViewerReadout({ item, smoothed, heat, range, meta, cursor }: ViewerReadoutProps) {
  const s = useInspector(
    useShallow((st) => ({
      threshold: st.threshold,
      thresholdSource: st.thresholdSource,
      colormap: st.colormap,
      opacity: st.opacity,
      scales: st.scales,
      sigma: st.sigma,
      setThreshold: st.setThreshold,
      resetThreshold: st.resetThreshold,
      reportError: st.reportError,
    })),
  );
  // What is typed, and why it is not in force (the field keeps the typing; on leaving it shows the value in force).
  const [draft, setDraft] = useState<string | null>(null);
  const [thresholdProblem, setThresholdProblem] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  const score = smoothed?.score ?? null;
  const verdict = score === null ? null : scoreVerdict(score, s.threshold);

  const cal = meta?.calibration ?? null;
  const calScales = scalesFromMeta(meta);
  const settingsDiffer = cal !== null && (calScales.some((b, k) => b !== s.scales[k]) || meta?.map.sigma !== s.sigma);

  let thresholdNote: string;
  if (!meta) thresholdNote = 'no model loaded';
  else if (s.thresholdSource === 'user') thresholdNote = 'set by you';
  else if (s.thresholdSource === 'calibration' && cal) {
    thresholdNote = `calibrated: ${cal.rule} (${scalesLabel(calScales)}${meta.evidence ? ' + nearest neighbour' : ''}, σ ${meta?.map.sigma})`;
    if (cal.optimistic) thresholdNote += ' — optimistic: no normal image was held out, so expect false alarms';
  }
  else thresholdNote = 'uncalibrated: this model has no calibration — set a threshold for your parts';

  const doExport = async (kind: 'heatmap' | 'overlay') => {
    if (!item?.image || !heat) return;
    setExporting(true);
    try {
      await exportPng(kind, item.name, item.image.bitmap ?? null, heat, { width: item.image.width, height: item.image.height }, s.opacity);
    } catch (e) {
      s.reportError(`Export of ${item.name} failed: ${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="readout">
      <div className="readout-score">
        <span className="group-label" id="score-label">
          Score
        </span>
        <span data-testid="score" className="score" aria-labelledby="score-label" data-value={score ?? undefined}>
          {score === null ? '—' : score.toFixed(4)}
        </span>
        {verdict && (
          <span data-testid="verdict" data-verdict={verdict} className={`verdict verdict-${verdict}`}>
            {verdict === 'anomaly' ? 'ANOMALY' : 'OK'}
          </span>
        )}
      </div>

      <div className="readout-threshold">
        <label htmlFor="threshold-input" className="group-label">
          Threshold
        </label>
        <input
          id="threshold-input"
          data-testid="threshold-input"
          type="number"
          step="any"
          min={THRESHOLD_MIN}
          value={draft ?? String(s.threshold)}
          aria-invalid={thresholdProblem !== null}
          aria-describedby={thresholdProblem ? 'threshold-problem threshold-note' : 'threshold-note'}
          onChange={(e) => {
            setDraft(e.target.value);
            // An empty field or one the browser cannot parse (e.g. "1e") reads as NaN: both are refused.
            const typed = e.target.value.trim() === '' ? null : e.target.valueAsNumber;
            setThresholdProblem(s.setThreshold(typed));
          }}
          onBlur={() => {
            setDraft(null);
            setThresholdProblem(null);
          }}
        />
        {s.thresholdSource === 'user' && (
          <button type="button" className="button button-small" onClick={s.resetThreshold}>
            Reset
          </button>
        )}
        {thresholdProblem && (
          <span id="threshold-problem" data-testid="threshold-problem" className="hint hint-error" role="alert">
            {thresholdProblem} In force: {s.threshold}.
          </span>
        )}
        <span id="threshold-note" className={`hint${meta && s.thresholdSource === 'fallback' ? ' hint-warn' : ''}`}>
          {thresholdNote}
          {settingsDiffer && s.thresholdSource !== 'user' ? ' — the current σ / scales differ, so scores are on another scale' : ''}
        </span>
      </div>

      <div className="readout-map">
        <Colorbar lo={range[0]} hi={range[1]} colormap={s.colormap} threshold={s.threshold} />
        <CursorValue channel={cursor} />
      </div>

      <div className="readout-export" role="group" aria-label="Export">
        <button type="button" className="button" data-testid="export-heatmap" disabled={!heat || !item?.image || exporting} onClick={() => void doExport('heatmap')}>
          Export heatmap
        </button>
        <button type="button" className="button" data-testid="export-overlay" disabled={!heat || !item?.image || exporting} onClick={() => void doExport('overlay')}>
          Export overlay
        </button>
      </div>
    </div>
  );
}
