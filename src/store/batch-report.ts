/**
 * The CSV of an inspected batch (images without labels): per listed image its file, score, verdict,
 * defect regions at the threshold, and the model, threshold, σ, scales and date it was judged with; then
 * where the image came from ('file', or 'camera' with the capture time), so auto-captured frames are traceable.
 * Built in slices (regions need each image's smoothed map) so a long list does not block the page.
 */
import type { Clock } from './runtime';
import { csvLine, scalesList } from './evaluation-report';
import { mapRegionRows, regionText } from './region-rows';
import { selectActiveModel, selectSortedItems, verdictOf } from './selectors';
import type { InspectorState } from './state';
import { fusionOf } from './viewer-slice';

const SLICE_MS = 24;

export const BATCH_CSV_HEADER = ['file', 'score', 'verdict', 'regions', 'region_list', 'model', 'threshold', 'sigma', 'scales', 'date', 'source', 'captured_at'] as const;

export async function inspectedCsv(s: InspectorState, clock: Clock, date = new Date()): Promise<string> {
  const model = selectActiveModel(s)?.title ?? '';
  const fusion = fusionOf(s.meta);
  const scales = scalesList(s.scales).join(' ');
  const lines = [csvLine(BATCH_CSV_HEADER)];
  let t0 = clock.now();
  for (const item of selectSortedItems(s)) {
    const verdict = verdictOf(item, s.threshold);
    let score = '';
    let regions = '';
    let list = '';
    if (item.smoother && item.image && verdict !== 'pending' && verdict !== 'error') {
      const sm = item.smoother.smooth(s.scales, s.sigma, fusion);
      const rows = mapRegionRows(sm.values, sm.size, s.threshold, item.image.originalWidth, item.image.originalHeight);
      score = String(sm.score);
      regions = String(rows.length);
      list = regionText(rows);
    }
    lines.push(csvLine([item.name, score, verdict, regions, list, model, s.threshold, s.sigma, scales, date.toISOString(), item.origin ?? 'file', item.capturedAt ?? '']));
    if (clock.now() - t0 > SLICE_MS) {
      await clock.yieldToUi();
      t0 = clock.now();
    }
  }
  return lines.join('\n') + '\n';
}
