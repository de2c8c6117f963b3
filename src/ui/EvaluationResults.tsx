/**
 * One evaluation's figures: the three metrics (with the streaming method's error bound), plots, the
 * per-defect table at the current threshold, the threshold choices with their confusion matrices (one
 * click applies one), and the exports (JSON, CSV, plots as PNG).
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { defectTable, evaluationCsv, evaluationJson, scalesList, thresholdChoices, type EvaluationResult } from '../store';
import { EvaluationCharts } from './EvaluationCharts';
import { downloadBlob } from './heatmap-draw';
import { useInspector } from './store-context';

const f3 = (v: number | null | undefined) => (v == null ? 'n/a' : v.toFixed(3));
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

function Metric({ name, value, bound, testId }: { name: string; value: number | null; bound?: number | null; testId: string }) {
  return (
    <div className="eval-metric" data-testid={testId} data-value={value ?? ''}>
      <span className="muted small">{name}</span>
      <span className="eval-metric-value">{f3(value)}</span>
      {bound != null && <span className="muted small">± {bound.toExponential(1)}</span>}
    </div>
  );
}

function stem(result: EvaluationResult): string {
  return `evaluation-${result.settings.modelTitle.replace(/[^\w.-]+/g, '_')}`;
}

export function EvaluationResults({ result }: { result: EvaluationResult }) {
  const { threshold, applyThreshold, notice } = useInspector(useShallow((s) => ({ threshold: s.threshold, applyThreshold: s.applyModelThreshold, notice: s.evalNotice })));
  const [fprTarget, setFprTarget] = useState(0.05);
  const table = useMemo(() => defectTable(result, threshold), [result, threshold]);
  const choices = useMemo(() => thresholdChoices(result, threshold, fprTarget), [result, threshold, fprTarget]);
  const s = result.settings;
  const exportJson = () =>
    downloadBlob(new Blob([JSON.stringify(evaluationJson(result, threshold, fprTarget), null, 2)], { type: 'application/json' }), `${stem(result)}.json`);
  const exportCsv = () => downloadBlob(new Blob([evaluationCsv(result, threshold)], { type: 'text/csv' }), `${stem(result)}.csv`);

  return (
    <section className="panel eval-results" aria-labelledby="eval-results-heading" data-testid="eval-results">
      <div className="panel-head">
        <h2 id="eval-results-heading" className="panel-title">
          Results
        </h2>
        <div className="panel-actions">
          <button type="button" className="button button-small" data-testid="eval-export-json" onClick={exportJson}>
            Export JSON
          </button>
          <button type="button" className="button button-small" data-testid="eval-export-csv" onClick={exportCsv}>
            Export CSV
          </button>
        </div>
      </div>
      <p className="small muted">
        {s.modelTitle} · σ {s.sigma} · scales {scalesList(s.scales).join(',')} · {result.rows.length} images ({result.rows.filter((r) => r.label === 0).length} good), {result.nPixelImages} with
        pixel labels{result.nAnomalousWithoutMask > 0 ? `, ${result.nAnomalousWithoutMask} defective without a mask (image metrics only)` : ''} ·{' '}
        {(result.elapsedMs / 1000).toFixed(1)} s
        {result.failures.length > 0 && <span className="hint-warn"> · {result.failures.length} image(s) could not be read and were skipped: {result.failures.map((f) => f.message).join('; ')}</span>}
      </p>
      <div className="eval-metrics">
        <Metric name="image AUROC" value={result.imageAuroc} testId="eval-image-auroc" />
        <Metric name="pixel AUROC" value={result.pixelAuroc?.value ?? null} bound={result.pixelAuroc?.errorBound} testId="eval-pixel-auroc" />
        <Metric name="PRO (FPR ≤ 0.3)" value={result.pro?.value ?? null} bound={result.pro?.errorBound} testId="eval-pro-value" />
      </div>
      <EvaluationCharts result={result} threshold={threshold} />

      <h3 className="chart-title">Per defect type at threshold {threshold.toFixed(4)}</h3>
      <table className="eval-table" data-testid="eval-defect-table">
        <thead>
          <tr>
            <th scope="col">type</th>
            <th scope="col">images</th>
            <th scope="col">image AUROC vs good</th>
            <th scope="col">passed</th>
          </tr>
        </thead>
        <tbody>
          {table.map((d) => (
            <tr key={d.defect} data-defect={d.defect}>
              <th scope="row">{d.defect}</th>
              <td>{d.count}</td>
              <td>{f3(d.imageAuroc)}</td>
              <td data-passed={d.passed}>{pct(d.passed)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3 className="chart-title">Threshold from the evidence</h3>
      <label className="form-row small">
        Target false-positive rate (%)
        <input
          type="number"
          data-testid="eval-fpr-target"
          min={0}
          max={100}
          step={0.5}
          value={Number((fprTarget * 100).toFixed(2))}
          onChange={(e) => {
            const v = Number(e.currentTarget.value);
            if (Number.isFinite(v) && v >= 0 && v <= 100) setFprTarget(v / 100);
          }}
        />
      </label>
      <table className="eval-table" data-testid="eval-threshold-table">
        <thead>
          <tr>
            <th scope="col">choice</th>
            <th scope="col">threshold</th>
            <th scope="col">defects flagged / passed</th>
            <th scope="col">good flagged / passed</th>
            <th scope="col">F1</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {choices.map((c) => (
            <tr key={c.id} data-choice={c.id} data-threshold={c.confusion.threshold} data-fp={c.confusion.fp}>
              <th scope="row">{c.label}</th>
              <td>{c.confusion.threshold.toFixed(4)}</td>
              <td>
                {c.confusion.tp} / {c.confusion.fn}
              </td>
              <td>
                {c.confusion.fp} / {c.confusion.tn}
              </td>
              <td>{c.confusion.f1.toFixed(3)}</td>
              <td>
                {c.id !== 'current' && (
                  <button
                    type="button"
                    className="button button-small"
                    data-testid={`eval-apply-${c.id}`}
                    disabled={c.confusion.threshold === threshold}
                    onClick={() => void applyThreshold(c.confusion.threshold, c.label)}
                  >
                    Apply
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small" role="status" aria-live="polite" data-testid="eval-notice">
        {notice ?? ''}
      </p>
    </section>
  );
}
