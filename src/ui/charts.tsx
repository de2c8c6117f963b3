/**
 * The training panel's charts, drawn by uPlot (MIT; canvas, no external requests): the loss curve (every
 * step, plus each epoch's mean) and the calibration histogram (held-out and training scores of the normal
 * images, the threshold as a vertical line).
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LossHistory, TrainCalibration } from '../store';
import { histogramBins } from './chart-data';

export const AXIS = { stroke: '#9aa3ad', grid: { stroke: '#2c3137', width: 1 }, ticks: { stroke: '#353b42', width: 1 } };
const COLORS = { step: '#5aa9ff', epoch: '#ffb454', heldOut: '#46c35b', training: '#8e7dff', threshold: '#ff6b61' };
export const HEIGHT = 200;

/** A dashed vertical line across the plot at x (a threshold, a limit), drawn in uPlot's draw hook. */
export function drawVertical(u: uPlot, x: number, color: string): void {
  const px = u.valToPos(x, 'x', true);
  const { ctx } = u;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * uPlot.pxRatio;
  ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
  ctx.beginPath();
  ctx.moveTo(px, u.bbox.top);
  ctx.lineTo(px, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

/**
 * A uPlot chart in a div that follows the div's width: created once with `options`, fed `data` on every
 * change, destroyed on unmount.
 */
export function useUplot(makeOptions: (width: number) => uPlot.Options, data: uPlot.AlignedData, redrawKey?: unknown) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const makeRef = useRef(makeOptions);
  makeRef.current = makeOptions;
  const dataRef = useRef(data);
  dataRef.current = data;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const u = new uPlot(makeRef.current(width), dataRef.current, el);
    chart.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  useEffect(() => {
    chart.current?.redraw();
  }, [redrawKey]);

  return ref;
}

/** x: global step; series: the step loss, and the epoch means at each epoch's last step. */
export function lossChartData(h: LossHistory): uPlot.AlignedData {
  const means: (number | null)[] = h.steps.map(() => null);
  h.epochMeans.forEach((m, e) => {
    const i = h.steps.indexOf((e + 1) * h.stepsPerEpoch);
    if (i >= 0) means[i] = m;
  });
  return [h.steps, h.losses, means];
}

/** `totalSteps`: steps of the whole run, so the x axis shows how far along it is (0 = unknown). */
export function LossChart({ history, totalSteps }: { history: LossHistory; totalSteps: number }) {
  const data = useRef<{ h: LossHistory | null; d: uPlot.AlignedData }>({ h: null, d: [[], [], []] });
  if (data.current.h !== history) data.current = { h: history, d: lossChartData(history) };
  const totalRef = useRef(totalSteps);
  totalRef.current = totalSteps;
  const ref = useUplot(
    (width) => ({
      width,
      height: HEIGHT,
      scales: {
        // From step 0 to the run's last step (at least 2, so a single step has room around it).
        x: { time: false, range: (_u, _min, max) => [0, Math.max(2, totalRef.current, Number.isFinite(max) ? max : 0)] },
        y: { range: (_u, _min, max) => [0, Number.isFinite(max) ? max * 1.1 || 1 : 1] },
      },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...AXIS, label: 'step', labelSize: 18, size: 36, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
        { ...AXIS, label: 'loss', labelSize: 18, size: 56, values: (_u, ticks) => ticks.map((t) => t.toPrecision(3)) },
      ],
      series: [
        { label: 'step' },
        {
          label: 'loss per step',
          stroke: COLORS.step,
          width: 1.5,
          // Dots while there are few steps (a single step is a dot, not an invisible line).
          points: { show: (_u, _si, i0, i1) => i1 - i0 < 40, size: 5, fill: COLORS.step },
          value: (_u, v) => (v == null ? '—' : v.toFixed(4)),
        },
        {
          label: 'epoch mean',
          stroke: COLORS.epoch,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 7, fill: COLORS.epoch },
          value: (_u, v) => (v == null ? '—' : v.toFixed(4)),
        },
      ],
    }),
    data.current.d,
    totalSteps,
  );
  return <div ref={ref} className="chart" role="img" aria-label="Training loss per step and per epoch" />;
}

export function CalibrationChart({ calibration }: { calibration: TrainCalibration }) {
  const thresholdRef = useRef(calibration.threshold);
  thresholdRef.current = calibration.threshold;
  const memo = useRef<{ c: TrainCalibration | null; d: uPlot.AlignedData; range: [number, number] }>({ c: null, d: [[]], range: [0, 1] });
  if (memo.current.c !== calibration) {
    const bins = histogramBins([calibration.heldOut, calibration.training], calibration.threshold);
    memo.current = { c: calibration, d: [bins.centers, bins.counts[0], bins.counts[1]], range: [bins.lo, bins.hi] };
  }
  const rangeRef = useRef(memo.current.range);
  rangeRef.current = memo.current.range;
  const bars = uPlot.paths.bars!;
  const ref = useUplot(
    (width) => ({
      width,
      height: HEIGHT,
      scales: { x: { time: false, range: () => rangeRef.current }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...AXIS, label: 'image score', labelSize: 18, size: 36, values: (_u, ticks) => ticks.map((t) => t.toPrecision(3)) },
        { ...AXIS, label: 'images', labelSize: 18, size: 44, incrs: [1, 2, 5, 10, 20, 50] },
      ],
      series: [
        { label: 'score', value: (_u, v) => (v == null ? '—' : v.toFixed(4)) },
        { label: 'held out', stroke: COLORS.heldOut, fill: `${COLORS.heldOut}b0`, paths: bars({ size: [0.45, Infinity], align: -1 }), points: { show: false } },
        { label: 'training', stroke: COLORS.training, fill: `${COLORS.training}b0`, paths: bars({ size: [0.45, Infinity], align: 1 }), points: { show: false } },
      ],
      hooks: {
        draw: [
          (u) => drawVertical(u, thresholdRef.current, COLORS.threshold),
        ],
      },
    }),
    memo.current.d,
    calibration.threshold,
  );
  return (
    <div
      ref={ref}
      className="chart"
      role="img"
      aria-label={`Scores of the normal images: ${calibration.heldOut.length} held out, ${calibration.training.length} used for training; threshold ${calibration.threshold.toFixed(4)}`}
    />
  );
}
