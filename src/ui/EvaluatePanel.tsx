/**
 * The Evaluate tab: a labelled folder in (drop or directory picker), progress with ETA and Cancel, then
 * the metrics, plots, per-defect table, threshold choices and exports of the result (EvaluationResults).
 */
import { useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../data/format';
import { selectActiveModel } from '../store';
import { EvaluationResults } from './EvaluationResults';
import { isFileDrag } from './file-drop';
import { folderFilesOfDrop, folderFilesOfInput } from './folder-files';
import { useInspector } from './store-context';

function FolderInput() {
  const { evaluateFolder, running, ready } = useInspector(
    useShallow((s) => ({ evaluateFolder: s.evaluateFolder, running: s.evalStatus === 'running', ready: s.modelStatus === 'ready' })),
  );
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent<HTMLElement>) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setOver(false);
    void folderFilesOfDrop(e.dataTransfer).then((files) => {
      if (files.length > 0) void evaluateFolder(files);
    });
  };
  return (
    <div
      data-testid="eval-drop-zone"
      className={`drop-zone${over ? ' drop-zone-over' : ''}`}
      onDragOver={(e) => {
        if (!isFileDrag(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>Drop a labelled folder here, or</p>
      <label className={`button button-primary file-button${running || !ready ? ' button-disabled' : ''}`}>
        Choose a folder…
        <input
          data-testid="eval-folder-input"
          className="visually-hidden"
          type="file"
          disabled={running || !ready}
          // The directory picker: every file of the folder, with its webkitRelativePath.
          {...{ webkitdirectory: '', directory: '' }}
          multiple
          onChange={(e) => {
            const files = folderFilesOfInput(e.currentTarget.files);
            e.currentTarget.value = '';
            if (files.length > 0) void evaluateFolder(files);
          }}
        />
      </label>
      <p className="muted small">
        MVTec layout: <code>test/good</code>, <code>test/&lt;defect&gt;</code>, masks in <code>ground_truth/&lt;defect&gt;/&lt;name&gt;_mask.png</code> — or
        simply a <code>good/</code> and a <code>defect/</code> folder (image metrics only). Nothing leaves this tab.
      </p>
    </div>
  );
}

function Progress() {
  const s = useInspector(useShallow((st) => ({ status: st.evalStatus, progress: st.evalProgress, error: st.evalError, folder: st.evalFolder, cancel: st.cancelEvaluation })));
  if (s.status === 'idle') return null;
  const p = s.progress;
  const fraction = p && p.total > 0 ? p.done / p.total : 0;
  let text: string;
  if (s.status === 'running') text = `Evaluating ${s.folder ?? ''}: ${p?.done ?? 0} / ${p?.total ?? 0} images${p?.etaMs != null ? ` · ETA ${formatDuration(p.etaMs)}` : ''}`;
  else if (s.status === 'done') text = `Evaluated ${s.folder ?? 'the folder'}: ${p?.total ?? 0} images.`;
  else if (s.status === 'cancelled') text = `Cancelled after ${p?.done ?? 0} of ${p?.total ?? 0} images; the last complete result stays below.`;
  else text = s.error ?? 'The evaluation failed.';
  return (
    <div className="eval-progress" data-testid="eval-status" data-status={s.status} role="status" aria-live="polite">
      <p className={s.status === 'error' ? 'hint hint-warn' : 'small'}>{text}</p>
      {s.status === 'running' && (
        <div className="eval-progress-row">
          <progress className="train-progress" max={1} value={fraction} aria-label="Evaluation progress" />
          <button type="button" className="button button-small" data-testid="eval-cancel" onClick={s.cancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

export function EvaluatePanel() {
  const model = useInspector((s) => selectActiveModel(s)?.title ?? null);
  const settings = useInspector(useShallow((s) => ({ sigma: s.sigma, scales: s.scales, threshold: s.threshold })));
  const result = useInspector((s) => s.evalResult);
  return (
    <div className="eval-layout">
      <section className="panel" aria-labelledby="eval-heading">
        <h2 id="eval-heading" className="panel-title">
          Evaluate a model on labelled images
        </h2>
        <p className="small muted">
          Model <strong>{model ?? 'none'}</strong> · σ {settings.sigma} · scales {settings.scales.flatMap((on, k) => (on ? [`M${k + 1}`] : [])).join('+')} · threshold{' '}
          {settings.threshold.toFixed(4)} (as set in Inspect). Metrics as <code>npm run eval</code>: image AUROC, pixel AUROC, PRO (FPR ≤ 0.3).
        </p>
        <FolderInput />
        <Progress />
      </section>
      {result && <EvaluationResults result={result} />}
    </div>
  );
}
