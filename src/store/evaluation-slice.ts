/**
 * The Evaluate tab's state: a labelled folder (dropped or picked) evaluated with the active model under
 * the σ, scales and threshold in force (evaluation-run.ts), progress with an ETA, cancel, the result, and
 * applying a threshold chosen from the evidence to the model in use.
 */
import { inspectedCsv } from './batch-report';
import { labelFolder, LabelledFolderError } from '../data/labelled-folder';
import { EvaluationCancelled, runEvaluation, type EvalFile, type EvaluationResult } from './evaluation-run';
import { scoreStatistics } from '../metrics';
import { describeFailure } from './failures';
import type { SliceCreator } from './runtime';
import { selectActiveModel } from './selectors';
import { fusionOf } from './viewer-slice';

/** A file of a dropped or picked folder with its path relative to the folder's parent ('/'-separated). */
export interface FolderFile {
  blob: Blob;
  path: string;
}

export type EvalStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

export interface EvalProgress {
  done: number;
  total: number;
  /** Estimated ms left (null before the first image is done). */
  etaMs: number | null;
}

export interface EvaluationSlice {
  evalStatus: EvalStatus;
  evalProgress: EvalProgress | null;
  /** Why the last evaluation failed or what it found unusable. */
  evalError: string | null;
  /** Name of the evaluated folder (its top folder). */
  evalFolder: string | null;
  evalResult: EvaluationResult | null;

  /** Evaluates the labelled images of a folder with the active model (refused while one runs or no model is ready). */
  evaluateFolder(files: readonly FolderFile[]): Promise<void>;
  cancelEvaluation(): void;
  /**
   * Makes `threshold` the one in use: the viewer's threshold (verdicts of every listed image follow) and,
   * when the active model is saved in the library, its saved copy's calibrated threshold (meta.calibration:
   * its statistics stay, threshold and rule change; a model without one gets the statistics of the
   * evaluation's good images). `choice` names the rule, e.g. "No good image flagged".
   */
  applyModelThreshold(threshold: number, choice?: string): Promise<void>;
  /** What the last applyModelThreshold did, for the tab to show. */
  evalNotice: string | null;
  /** Downloads the CSV of the inspected images (Inspect tab): file, score, verdict, regions, model, threshold, σ, scales, date. */
  exportInspectedCsv(): Promise<void>;
}

export const createEvaluationSlice: SliceCreator<EvaluationSlice> = (set, get, rt) => {
  let run = 0;
  let cancelled = false;

  return {
    evalStatus: 'idle',
    evalProgress: null,
    evalError: null,
    evalFolder: null,
    evalResult: null,
    evalNotice: null,

    evaluateFolder: (files) =>
      rt.track(
        (async () => {
          const s = get();
          if (s.evalStatus === 'running') return;
          const model = selectActiveModel(s);
          if (s.modelStatus !== 'ready' || !model) {
            set({ evalStatus: 'error', evalError: 'No model is ready: choose one first, then drop the folder again.' });
            return;
          }
          let plan;
          try {
            plan = labelFolder(files.map((f) => f.path));
          } catch (e) {
            set({ evalStatus: 'error', evalError: e instanceof LabelledFolderError ? `This folder cannot be evaluated: ${e.message}.` : describeFailure(e).message });
            return;
          }
          const byPath = new Map(files.map((f) => [f.path.replace(/\\/g, '/'), f.blob]));
          const evalFiles: EvalFile[] = plan.items.map((item) => ({ item, image: byPath.get(item.path)!, mask: item.maskPath ? (byPath.get(item.maskPath) ?? null) : null }));
          const mine = ++run;
          cancelled = false;
          const folder = files[0]?.path.replace(/\\/g, '/').split('/')[0] ?? null;
          set({ evalStatus: 'running', evalError: null, evalFolder: folder, evalProgress: { done: 0, total: evalFiles.length, etaMs: null } });
          const started = rt.now();
          const modelId = s.activeModelId;
          try {
            const result = await runEvaluation(
              evalFiles,
              { modelId: model.id, modelTitle: model.title, scales: s.scales, sigma: s.sigma, fusion: fusionOf(s.meta), threshold: s.threshold },
              {
                decode: rt.services.decode,
                release: rt.services.release,
                infer: (pixels, views) => rt.services.client.infer(pixels, views),
                now: rt.now,
                yieldToUi: rt.yieldToUi,
                cancelled: () => cancelled || mine !== run || get().activeModelId !== modelId,
                onProgress: (done, total) => {
                  const elapsed = rt.now() - started;
                  set({ evalProgress: { done, total, etaMs: done > 0 ? (elapsed / done) * (total - done) : null } });
                },
              },
            );
            if (mine !== run) return;
            set({ evalStatus: 'done', evalResult: result });
          } catch (e) {
            if (mine !== run) return;
            if (e instanceof EvaluationCancelled) {
              const changed = get().activeModelId !== modelId;
              set({ evalStatus: changed ? 'error' : 'cancelled', evalError: changed ? 'The evaluation stopped: another model was chosen while it ran.' : null });
            } else {
              set({ evalStatus: 'error', evalError: `The evaluation failed: ${describeFailure(e).message}` });
            }
          }
        })(),
      ),

    cancelEvaluation: () => {
      if (get().evalStatus === 'running') cancelled = true;
    },

    applyModelThreshold: (threshold, choice = 'chosen threshold') =>
      rt.track(
        (async () => {
          if (!Number.isFinite(threshold)) return;
          const s = get();
          const entry = selectActiveModel(s);
          get().setThreshold(threshold);
          if (!entry || !(entry.source.kind === 'indexeddb' || entry.unsaved) || !s.meta) {
            set({ evalNotice: `Threshold ${threshold.toFixed(4)} applied to ${entry?.title ?? 'the model'} for this session (only models in "Your models" keep it).` });
            return;
          }
          const result = s.evalResult;
          const rule = `${choice}, from an evaluation of ${result?.rows.length ?? 0} labelled images (${(result?.date ?? new Date().toISOString()).slice(0, 10)})`;
          const good = result?.rows.filter((r) => r.label === 0).map((r) => r.score) ?? [];
          const calibration = s.meta.calibration
            ? { ...s.meta.calibration, threshold, rule }
            : { ...scoreStatistics(good.length > 0 ? good : [threshold]), threshold, rule };
          try {
            const { meta, saved } = await rt.services.client.setModelCalibration(entry.id, calibration);
            if (get().activeModelId === entry.id) {
              set((st) => ({ meta, modelInfo: st.modelInfo ? { ...st.modelInfo, meta } : st.modelInfo, threshold, thresholdSource: 'calibration' }));
            }
            if (saved) {
              set({ evalNotice: `Threshold ${threshold.toFixed(4)} applied and stored with "${saved.name}".` });
              await get().refreshLibrary();
            } else {
              set({ evalNotice: `Threshold ${threshold.toFixed(4)} applied to the trained model; it is stored with it when you save it.` });
            }
          } catch (e) {
            rt.errors.push(`The threshold is in use but could not be stored with "${entry.title}": ${describeFailure(e).message}`);
          }
        })(),
      ),

    exportInspectedCsv: () =>
      rt.track(
        (async () => {
          const csv = await inspectedCsv(get(), rt);
          rt.services.saveFile?.('inspected-images.csv', new TextEncoder().encode(csv), 'text/csv');
        })(),
      ),
  };
};
