/** The colour scale of the heatmap with round ticks and the threshold marked. */
import { colormapLut, type ColormapName } from '../data/colormap';
import { colorbarTicks, formatValue, lutGradient } from './view-math';

export function Colorbar({ lo, hi, colormap, threshold }: { lo: number; hi: number; colormap: ColormapName; threshold: number }) {
  const span = hi - lo;
  const pos = (v: number) => `${(((v - lo) / span) * 100).toFixed(2)}%`;
  const ticks = colorbarTicks(lo, hi, 5);
  const thresholdInside = span > 0 && threshold >= lo && threshold <= hi;
  return (
    <figure
      data-testid="colorbar"
      className="colorbar"
      role="img"
      aria-label={`Colour scale from ${formatValue(lo)} to ${formatValue(hi)}, threshold ${formatValue(threshold)}`}
      data-min={lo}
      data-max={hi}
    >
      <div className="colorbar-ramp" style={{ backgroundImage: lutGradient(colormapLut(colormap)) }}>
        {thresholdInside && <span className="colorbar-threshold" style={{ left: pos(threshold) }} title={`threshold ${formatValue(threshold)}`} />}
      </div>
      <div className="colorbar-ticks" aria-hidden="true">
        {span > 0 &&
          ticks.map((t) => (
            <span key={t} className="colorbar-tick" style={{ left: pos(t) }}>
              {formatValue(t)}
            </span>
          ))}
      </div>
    </figure>
  );
}
