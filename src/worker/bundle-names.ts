/** Names of imported bundles (no tfjs here: the store's test double of the worker names its imports the same way). */
import type { ModelMeta } from '../engine/model-meta';

/**
 * The name an imported bundle gets: the one its meta.json carries (an export from this app), else its
 * dataset's (a CLI bundle names its category), else the .zip's file name.
 */
export function importName(meta: Pick<ModelMeta, 'name' | 'dataset'>, zipName?: string): string {
  return meta.name?.trim() || meta.dataset?.name?.trim() || zipName?.replace(/\.zip$/i, '').trim() || 'imported model';
}

/** `name`, or "name (2)", "name (3)", … when the library already has it: a second import of a bundle is told apart. */
export function uniqueName(name: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  let n = 2;
  while (used.has(`${name} (${n})`)) n++;
  return `${name} (${n})`;
}
