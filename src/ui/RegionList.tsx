/** Beside the viewer: the selected image's defect regions at the threshold (area, box, peak), as outlined on the canvas. */
import type { RegionRow } from '../store';

const SHOWN = 12;

export function RegionList({ regions, threshold }: { regions: readonly RegionRow[] | null; threshold: number }) {
  if (!regions) return null;
  return (
    <div className="region-box" data-testid="region-list" data-count={regions.length}>
      <h3 className="chart-title">
        Defect regions above {threshold.toFixed(4)}: {regions.length}
      </h3>
      {regions.length > 0 && (
        <ol className="region-list small">
          {regions.slice(0, SHOWN).map((r, i) => (
            <li key={i} data-testid="region-item" data-area={r.areaPx} data-x0={r.box.x0} data-y0={r.box.y0} data-x1={r.box.x1} data-y1={r.box.y1} data-peak={r.peak}>
              {r.areaPx} px ({r.areaPct.toFixed(2)} %) · box {r.box.x0},{r.box.y0} – {r.box.x1},{r.box.y1} · peak {r.peak.toFixed(4)}
            </li>
          ))}
          {regions.length > SHOWN && <li className="muted">… and {regions.length - SHOWN} smaller ones</li>}
        </ol>
      )}
    </div>
  );
}
