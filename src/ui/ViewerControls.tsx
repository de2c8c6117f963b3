/** The viewer's map controls: view mode, zoom, colormap, opacity, scales M1–M3 and σ. */
import { useShallow } from 'zustand/react/shallow';
import { COLORMAP_NAMES, type ColormapName } from '../data/colormap';
import { SIGMA_MAX, SIGMA_MIN, SIGMA_STEP } from '../store';
import { useInspector } from './store-context';

const SCALE_INFO = ['stride 4 (fine detail)', 'stride 8', 'stride 16 (coarse)'];

export function ViewerControls() {
  const s = useInspector(
    useShallow((st) => ({
      mode: st.mode,
      zoom: st.zoom,
      colormap: st.colormap,
      opacity: st.opacity,
      scales: st.scales,
      sigma: st.sigma,
      setMode: st.setMode,
      setZoom: st.setZoom,
      setColormap: st.setColormap,
      setOpacity: st.setOpacity,
      toggleScale: st.toggleScale,
      setSigma: st.setSigma,
      // Set by the store whenever a toggle is refused: a click here or the 1/2/3 keys.
      scaleNotice: st.scaleNotice,
    })),
  );

  return (
    <div className="viewer-controls">
      <fieldset className="control-group">
        <legend>View</legend>
        <label className="choice">
          <input type="radio" name="view-mode" data-testid="mode-overlay" checked={s.mode === 'overlay'} onChange={() => s.setMode('overlay')} />
          Overlay
        </label>
        <label className="choice">
          <input
            type="radio"
            name="view-mode"
            data-testid="mode-side-by-side"
            checked={s.mode === 'side-by-side'}
            onChange={() => s.setMode('side-by-side')}
          />
          Side by side
        </label>
      </fieldset>

      <div className="control-group" role="group" aria-label="Zoom">
        <span className="group-label" aria-hidden="true">
          Zoom
        </span>
        <button type="button" className="button button-small" data-testid="zoom-fit" aria-pressed={s.zoom === 'fit'} onClick={() => s.setZoom('fit')}>
          Fit
        </button>
        <button type="button" className="button button-small" data-testid="zoom-1to1" aria-pressed={s.zoom === '1:1'} onClick={() => s.setZoom('1:1')}>
          1:1
        </button>
      </div>

      <div className="control-group">
        <label htmlFor="colormap-select" className="group-label">
          Colormap
        </label>
        <select id="colormap-select" data-testid="colormap-select" value={s.colormap} onChange={(e) => s.setColormap(e.target.value as ColormapName)}>
          {COLORMAP_NAMES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>

      <div className="control-group">
        <label htmlFor="opacity-slider" className="group-label">
          Opacity
        </label>
        <input
          id="opacity-slider"
          data-testid="opacity-slider"
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={s.opacity}
          aria-valuetext={`${Math.round(s.opacity * 100)} %`}
          onChange={(e) => s.setOpacity(e.target.valueAsNumber)}
        />
        <output htmlFor="opacity-slider" className="value">
          {Math.round(s.opacity * 100)}%
        </output>
      </div>

      <fieldset className="control-group">
        <legend>Scales</legend>
        {[0, 1, 2].map((k) => (
          <label key={k} className="choice" title={SCALE_INFO[k]}>
            <input
              type="checkbox"
              data-testid={`toggle-m${k + 1}`}
              checked={s.scales[k]}
              aria-describedby={s.scaleNotice ? 'scale-hint' : undefined}
              onChange={() => s.toggleScale(k)}
            />
            M{k + 1}
          </label>
        ))}
        <span id="scale-hint" data-testid="scale-hint" className="hint hint-warn" role="status">
          {s.scaleNotice ?? ''}
        </span>
      </fieldset>

      <div className="control-group">
        <label htmlFor="sigma-slider" className="group-label">
          Smoothing σ
        </label>
        <input
          id="sigma-slider"
          data-testid="sigma-slider"
          type="range"
          min={SIGMA_MIN}
          max={SIGMA_MAX}
          step={SIGMA_STEP}
          value={s.sigma}
          onChange={(e) => s.setSigma(e.target.valueAsNumber)}
        />
        <output htmlFor="sigma-slider" className="value">
          {s.sigma.toFixed(2)}
        </output>
      </div>
    </div>
  );
}
