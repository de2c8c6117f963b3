/**
 * The two index files the app starts from — models/students/index.json (the shipped models) and
 * samples/index.json (the gallery) — their URLs, parsing, and which sample category belongs to a model.
 */
import type { ModelEntry, SampleCategory, SampleEntry } from './types';

export const MODEL_INDEX_PATH = 'models/students/index.json';
export const SAMPLE_INDEX_PATH = 'samples/index.json';
export const TEACHER_ROOT_PATH = 'models/teacher';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function trimSlashes(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

/** Resolves a path from an index file (relative to the app's base) to a URL. Absolute URLs pass through. */
export function resolveUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path.replace(/\/+$/, '');
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${trimSlashes(path)}`;
}

/** models/students/index.json → shipped model entries. Throws a user-facing Error when malformed. */
export function parseModelIndex(json: unknown, baseUrl: string): ModelEntry[] {
  const where = MODEL_INDEX_PATH;
  if (!isRecord(json) || !Array.isArray(json.models)) throw new Error(`${where} is not a model index (no "models" list)`);
  if (json.version !== 1) throw new Error(`${where} has version ${String(json.version)}, this app reads version 1`);
  const out: ModelEntry[] = [];
  json.models.forEach((m, i) => {
    if (!isRecord(m) || typeof m.id !== 'string' || !m.id || typeof m.path !== 'string' || !m.path) {
      throw new Error(`${where}: entry ${i + 1} needs an "id" and a "path"`);
    }
    out.push({
      id: m.id,
      title: typeof m.title === 'string' && m.title ? m.title : m.id,
      source: { kind: 'url', url: resolveUrl(baseUrl, m.path) },
      origin: 'shipped',
      path: trimSlashes(m.path),
      teacher: typeof m.teacher === 'string' ? m.teacher : undefined,
      eval: isRecord(m.eval) ? (m.eval as ModelEntry['eval']) : undefined,
    });
  });
  return out;
}

/** samples/index.json → categories. Malformed sample entries are skipped; a malformed file throws. */
export function parseSampleIndex(json: unknown): SampleCategory[] {
  const where = SAMPLE_INDEX_PATH;
  if (!isRecord(json) || !Array.isArray(json.categories)) throw new Error(`${where} is not a sample index (no "categories" list)`);
  const out: SampleCategory[] = [];
  for (const c of json.categories) {
    if (!isRecord(c) || typeof c.id !== 'string') continue;
    const samples: SampleEntry[] = [];
    for (const s of Array.isArray(c.samples) ? c.samples : []) {
      if (!isRecord(s) || typeof s.file !== 'string' || !s.file) continue;
      samples.push({
        file: trimSlashes(s.file),
        label: s.label === 'defect' ? 'defect' : 'good',
        defect: typeof s.defect === 'string' ? s.defect : null,
        mask: typeof s.mask === 'string' ? s.mask : null,
        width: typeof s.width === 'number' ? s.width : 0,
        height: typeof s.height === 'number' ? s.height : 0,
      });
    }
    out.push({
      id: c.id,
      title: typeof c.title === 'string' ? c.title : c.id,
      kind: typeof c.kind === 'string' ? c.kind : undefined,
      model: typeof c.model === 'string' ? trimSlashes(c.model) : undefined,
      defectKinds: Array.isArray(c.defectKinds) ? c.defectKinds.filter((d): d is string => typeof d === 'string') : undefined,
      samples,
    });
  }
  return out;
}

/** The sample category meant for a model: same folder (category.model = model path), else same id. */
export function categoryForModel(categories: readonly SampleCategory[], model: ModelEntry | undefined): SampleCategory | null {
  if (!model) return null;
  return (
    categories.find((c) => c.model !== undefined && model.path !== undefined && c.model === model.path) ??
    categories.find((c) => c.id === model.id) ??
    null
  );
}
