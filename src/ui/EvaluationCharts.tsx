/**
 * The Evaluate tab's plots (uPlot, as the training charts): ROC curves of images and pixels, the PRO
 * curve up to its FPR limit of 0.3, and the score histograms of good and defective images with the
 * threshold (the paper's Fig. 5). Each can be saved as a PNG of its canvas.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import uPlot from 'uplot';
import type { EvaluationResult } from '../store';
import { histogramBins } from './chart-data';
import { grid, resampleStep } from './chart-resample';
import { AXIS, drawVertical, HEIGHT, useUplot } from './charts';
import { downloadBlob } from './heatmap-draw';

const COLORS = { image: '#5aa9ff', pixel: '#ffb454', pro: '#46c35b', good: '#46c35b', defect: '#ff6b61', line: '#ff6b61' };
const PRO_LIMIT = 0.3;

/** The div a chart draws into: uPlot's ref, and the box the tab's PNG export reads the canvas from. */
function ChartCanvas({ chartRef, setBox, label }: { chartRef: RefObject<HTMLDivElement | null>; setBox: (el: HTMLDivElement | null) => void; label: string }) {
  return (
    <div
      ref={(el) => {
        chartRef.current = el;
        setBox(el);
      }}
      className="chart"
      role="img"
      aria-label={label}
    />
  );
}

const fmt = (_u: uPlot, v: number | null) => (v == null ? '—' : v.toFixed(3));

function ChartBox({ title, file, testId, children }: { title: string; file: string; testId: string; children: (ref: (el: HTMLDivElement | null) => void) => ReactNode }) {
  const box = useRef<HTMLDivElement | null>(null);
  const save = () => {
    const canvas = box.current?.querySelector('canvas');
    canvas?.toBlob((b) => b && downloadBlob(b, file), 'image/png');
  };
  return (
    <div className="chart-box eval-chart" data-testid={testId}>
      <div className="eval-chart-head">
        <h3 className="chart-title">{title}</h3>
        <button type="button" className="button button-small" data-testid={`${testId}-png`} onClick={save}>
          PNG
        </button>
      </div>
      {children((el) => (box.current = el))}
    </div>
  );
}

function RocChart({ result, setBox }: { result: EvaluationResult; setBox: (el: HTMLDivElement | null) => void }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const g = grid(1, 200);
    const pixel = result.pixelRoc ? resampleStep(result.pixelRoc.x, result.pixelRoc.y, g) : g.map(() => null);
    return [g, resampleStep(result.imageRoc.x, result.imageRoc.y, g), pixel];
  }, [result]);
  const ref = useUplot(
    (width) => ({
      width,
      height: HEIGHT,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...AXIS, label: 'false-positive rate', labelSize: 18, size: 36 },
        { ...AXIS, label: 'true-positive rate', labelSize: 18, size: 44 },
      ],
      series: [
        { label: 'FPR', value: fmt },
        { label: `images (AUROC ${result.imageAuroc.toFixed(3)})`, stroke: COLORS.image, width: 2, value: fmt },
        { label: result.pixelAuroc ? `pixels (AUROC ${result.pixelAuroc.value.toFixed(3)})` : 'pixels (no masks)', stroke: COLORS.pixel, width: 2, value: fmt },
      ],
    }),
    data,
  );
  return <ChartCanvas chartRef={ref} setBox={setBox} label={`ROC curves: image AUROC ${result.imageAuroc.toFixed(3)}${result.pixelAuroc ? `, pixel AUROC ${result.pixelAuroc.value.toFixed(3)}` : ''}`} />;
}

function ProChart({ result, setBox }: { result: EvaluationResult; setBox: (el: HTMLDivElement | null) => void }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const g = grid(PRO_LIMIT, 150);
    return [g, result.proCurve ? resampleStep(result.proCurve.x, result.proCurve.y, g) : g.map(() => null)];
  }, [result]);
  const ref = useUplot(
    (width) => ({
      width,
      height: HEIGHT,
      scales: { x: { time: false, range: [0, PRO_LIMIT * 1.1] }, y: { range: [0, 1] } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...AXIS, label: 'false-positive rate (pixels)', labelSize: 18, size: 36 },
        { ...AXIS, label: 'per-region overlap', labelSize: 18, size: 44 },
      ],
      series: [{ label: 'FPR', value: fmt }, { label: `PRO (area ${result.pro ? result.pro.value.toFixed(3) : '—'})`, stroke: COLORS.pro, width: 2, value: fmt }],
      hooks: { draw: [(u) => drawVertical(u, PRO_LIMIT, COLORS.line)] },
    }),
    data,
  );
  return <ChartCanvas chartRef={ref} setBox={setBox} label={`PRO curve up to FPR ${PRO_LIMIT}: normalised area ${result.pro ? result.pro.value.toFixed(3) : 'n/a'}`} />;
}

function ScoreHistogram({ result, threshold, setBox }: { result: EvaluationResult; threshold: number; setBox: (el: HTMLDivElement | null) => void }) {
  const memo = useMemo(() => {
    const good = result.rows.filter((r) => r.label === 0).map((r) => r.score);
    const bad = result.rows.filter((r) => r.label === 1).map((r) => r.score);
    const bins = histogramBins([good, bad], threshold, 30);
    return { data: [bins.centers, bins.counts[0], bins.counts[1]] as uPlot.AlignedData, range: [bins.lo, bins.hi] as [number, number] };
  }, [result, threshold]);
  const live = useRef({ threshold, range: memo.range });
  live.current = { threshold, range: memo.range };
  const bars = uPlot.paths.bars!;
  const ref = useUplot(
    (width) => ({
      width,
      height: HEIGHT,
      scales: { x: { time: false, range: () => live.current.range }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...AXIS, label: 'image score', labelSize: 18, size: 36, values: (_u, ticks) => ticks.map((t) => t.toPrecision(3)) },
        { ...AXIS, label: 'images', labelSize: 18, size: 44 },
      ],
      series: [
        { label: 'score', value: (_u, v) => (v == null ? '—' : v.toFixed(4)) },
        { label: 'good', stroke: COLORS.good, fill: `${COLORS.good}b0`, paths: bars({ size: [0.45, Infinity], align: -1 }), points: { show: false } },
        { label: 'defective', stroke: COLORS.defect, fill: `${COLORS.defect}90`, paths: bars({ size: [0.45, Infinity], align: 1 }), points: { show: false } },
      ],
      hooks: { draw: [(u) => drawVertical(u, live.current.threshold, '#ffffff')] },
    }),
    memo.data,
    threshold,
  );
  return <ChartCanvas chartRef={ref} setBox={setBox} label={`Image scores of good and defective images, threshold ${threshold.toFixed(4)}`} />;
}

/** Mounts `n` things one per task: three charts built in one task would block the page for their sum. */
function useStaggered(n: number): number {
  const [shown, setShown] = useState(1);
  useEffect(() => {
    if (shown >= n) return;
    const t = setTimeout(() => setShown((k) => k + 1), 0);
    return () => clearTimeout(t);
  }, [shown, n]);
  return shown;
}

export function EvaluationCharts({ result, threshold }: { result: EvaluationResult; threshold: number }) {
  const shown = useStaggered(3);
  return (
    <div className="eval-charts">
      <ChartBox title="ROC" file="evaluation-roc.png" testId="eval-roc">
        {(setBox) => <RocChart result={result} setBox={setBox} />}
      </ChartBox>
      <ChartBox title="PRO vs FPR (limit 0.3)" file="evaluation-pro.png" testId="eval-pro">
        {(setBox) => (shown >= 2 ? <ProChart result={result} setBox={setBox} /> : <div className="chart" />)}
      </ChartBox>
      <ChartBox title="Image scores" file="evaluation-histogram.png" testId="eval-histogram">
        {(setBox) => (shown >= 3 ? <ScoreHistogram result={result} threshold={threshold} setBox={setBox} /> : <div className="chart" />)}
      </ChartBox>
    </div>
  );
}
