/**
 * The user's model library (IndexedDB in the worker): the listing with storage use, rename, delete, save
 * of a model trained here, export as a bundle .zip and import of a dropped bundle. The picker's "Your
 * models" entries follow every listing; results and failures are confirmed in libraryNotice / the banner.
 */
import type { BundleFileMessage, ExportTarget } from '../worker/protocol';
import { describeFailure } from './failures';
import type { SliceCreator } from './runtime';
import type { FileInput, LibraryModelInfo, LoadStatus, ModelEntry } from './types';

export interface LibrarySlice {
  /** Saved models, newest first, as the worker listed them; their picker entries (origin 'user') follow it. */
  library: LibraryModelInfo[];
  libraryStatus: LoadStatus;
  libraryError: string | null;
  /** navigator.storage.estimate() from the listing: bytes used by the site and its quota. */
  libraryStorage: { usage: number; quota: number } | null;
  libraryUnreadable: { id: string; reason: string }[];
  /** Confirmation of the last library action (saved, imported, renamed, deleted, exported). */
  libraryNotice: string | null;
  /** A save, rename, delete, import or export is in progress. */
  libraryBusy: boolean;

  /** Lists the library again and brings the picker's "Your models" in step (at start and after every change). */
  refreshLibrary(): Promise<void>;
  renameLibraryModel(id: string, name: string): Promise<boolean>;
  /** Deletes a saved model; when it is the active one it stays loaded, as an unsaved model. */
  deleteLibraryModel(id: string): Promise<boolean>;
  /** Saves the active model (trained here, not saved yet) under `name`; it then becomes that library entry. */
  saveActiveModel(name: string): Promise<LibraryModelInfo | null>;
  /** Downloads the active model (default) or a library model as a bundle .zip. */
  exportModel(target?: ExportTarget): Promise<boolean>;
  /** Checks and stores a dropped bundle (.zip, or model.json + weights.bin + meta.json); errors go to the banner. */
  importBundle(files: readonly FileInput[], name?: string): Promise<LibraryModelInfo | null>;
}

/**
 * The picker entry of a library model. Models fine-tuned from a listed model inherit its `path`, so the
 * gallery of that model's sample category stays available.
 */
export function libraryEntry(info: LibraryModelInfo, models: readonly ModelEntry[]): ModelEntry {
  const base = info.meta.fineTune?.baseModel;
  const path = base ? models.find((m) => m.id === base)?.path : undefined;
  return {
    id: info.id,
    title: info.name,
    source: info.source,
    origin: 'user',
    teacher: info.teacher,
    ...(path ? { path } : {}),
  };
}

/** The Teach tab's outcome line of a finished run: saved (right away or later from either tab) or not yet. */
export function trainedMessage(saved: Pick<LibraryModelInfo, 'name'> | null): string {
  return saved ? `Trained and saved as "${saved.name}".` : 'Trained: the inspection view now uses this model (not saved yet).';
}

/** "Import failed: …" / "Saving failed: …" with the worker's message; storage problems say so first. */
function failureText(what: string, e: unknown): string {
  const f = describeFailure(e);
  if (f.kind === 'storage') return `${what} failed — browser storage: ${f.message}`;
  if (f.kind === 'out-of-memory') return `${what} failed — out of memory: ${f.message}`;
  return `${what} failed: ${f.message}`;
}

export const createLibrarySlice: SliceCreator<LibrarySlice> = (set, get, rt) => {
  let listSeq = 0;

  /** Runs a library action with libraryBusy set; failures go to the error banner and give null. */
  const libraryAction = <T>(what: string, fn: () => Promise<T>): Promise<T | null> =>
    rt.track(
      (async () => {
        set({ libraryBusy: true, libraryNotice: null });
        try {
          return await fn();
        } catch (e) {
          rt.errors.push(failureText(what, e));
          return null;
        } finally {
          set({ libraryBusy: false });
        }
      })(),
    );

  /**
   * The picker's user entries follow the listing: listed models in its order (newest first), the active
   * model kept as an unsaved entry when it is no longer listed (deleted while loaded).
   */
  const syncUserEntries = (listing: readonly LibraryModelInfo[]) => {
    const s = get();
    const listed = new Set(listing.map((m) => m.id));
    const kept: ModelEntry[] = [];
    for (const m of s.models) {
      if (m.origin !== 'user') kept.push(m);
      else if (listed.has(m.id)) continue;
      else if (m.id === s.activeModelId) kept.push(m.unsaved ? m : { ...m, unsaved: true });
    }
    // Oldest first, so a model fine-tuned from another library model finds its base's gallery path.
    const entries: ModelEntry[] = [];
    for (const info of [...listing].reverse()) entries.unshift(libraryEntry(info, [...kept, ...entries]));
    set({ models: kept });
    get().addModels(entries);
  };

  return {
    library: [],
    libraryStatus: 'idle',
    libraryError: null,
    libraryStorage: null,
    libraryUnreadable: [],
    libraryNotice: null,
    libraryBusy: false,

    refreshLibrary: () =>
      rt.track(
        (async () => {
          const seq = ++listSeq;
          set((s) => ({ libraryStatus: s.libraryStatus === 'ready' ? 'ready' : 'loading' }));
          try {
            const listing = await rt.services.client.listModels();
            if (seq !== listSeq) return;
            set({ library: listing.models, libraryStatus: 'ready', libraryError: null, libraryStorage: listing.storage, libraryUnreadable: listing.unreadable });
            syncUserEntries(listing.models);
          } catch (e) {
            if (seq !== listSeq) return;
            const f = describeFailure(e);
            set({ libraryStatus: 'error', libraryError: `Your saved models could not be listed: ${f.message}` });
          }
        })(),
      ),

    renameLibraryModel: async (id, name) => {
      const trimmed = name.trim();
      if (!trimmed) {
        rt.errors.push('A model needs a name.');
        return false;
      }
      const info = await libraryAction('Renaming', () => rt.services.client.renameModel(id, trimmed));
      if (!info) return false;
      if (get().activeModelId === id) set((s) => ({ modelInfo: s.modelInfo ? { ...s.modelInfo, name: info.name } : s.modelInfo }));
      await get().refreshLibrary();
      set({ libraryNotice: `Renamed to "${info.name}".` });
      return true;
    },

    deleteLibraryModel: async (id) => {
      const name = get().library.find((m) => m.id === id)?.name ?? id;
      const ok = await libraryAction('Deleting', async () => {
        await rt.services.client.deleteModel(id);
        return true;
      });
      if (!ok) return false;
      // The worker keeps a deleted active model loaded, in memory only.
      if (get().activeModelId === id) {
        set((s) => ({
          models: s.models.map((m) => (m.id === id ? { ...m, unsaved: true } : m)),
          modelInfo: s.modelInfo ? { ...s.modelInfo, origin: 'memory' } : s.modelInfo,
        }));
      }
      await get().refreshLibrary();
      set({ libraryNotice: `Deleted "${name}".` });
      return true;
    },

    saveActiveModel: async (name) => {
      const trimmed = name.trim();
      if (!trimmed) {
        rt.errors.push('A model needs a name to be saved.');
        return null;
      }
      const oldId = get().activeModelId;
      await rt.requestPersistenceOnce();
      const info = await libraryAction(`Saving "${trimmed}"`, () => rt.services.client.saveTrained(trimmed));
      if (!info) return null;
      // Same weights, now in the library: the active model takes the library id, nothing is re-run.
      set((s) => ({
        activeModelId: s.activeModelId === oldId ? info.id : s.activeModelId,
        modelInfo: s.modelInfo && s.activeModelId === oldId ? { ...s.modelInfo, id: info.id, origin: 'library', name: info.name } : s.modelInfo,
        models: s.models.filter((m) => m.id !== oldId),
        items: s.items.map((i) => (i.modelId === oldId ? { ...i, modelId: info.id } : i)),
        trainOutcome:
          s.trainOutcome && s.trainOutcome.model?.id === oldId ? { ...s.trainOutcome, saved: info, saveError: null, message: trainedMessage(info) } : s.trainOutcome,
      }));
      get().addModels([libraryEntry(info, get().models)]);
      await get().refreshLibrary();
      set({ libraryNotice: `Saved "${info.name}" to your models.` });
      return info;
    },

    exportModel: async (target = { kind: 'active' }) => {
      const res = await libraryAction('Export', () => rt.services.client.exportModel(target));
      if (!res) return false;
      if (!rt.services.saveFile) {
        rt.errors.push('Export failed: this page cannot save files.');
        return false;
      }
      rt.services.saveFile(res.fileName, res.bytes, 'application/zip');
      set({ libraryNotice: `Exported ${res.fileName}.` });
      return true;
    },

    importBundle: async (files, name) => {
      if (files.length === 0) return null;
      await rt.requestPersistenceOnce();
      const label = files.map((f) => f.name).join(', ');
      const info = await libraryAction(`Import of ${label}`, async () => {
        const read: BundleFileMessage[] = await Promise.all(
          files.map(async (f: FileInput) => ({ name: f.name, bytes: new Uint8Array(await f.blob.arrayBuffer()) })),
        );
        return rt.services.client.importBundle(read, rt.teacherRoot, name);
      });
      if (!info) return null;
      // The worker names a second copy "name (2)": say why it got that name.
      const copyOf = /^(.*) \(\d+\)$/.exec(info.name)?.[1];
      const already = copyOf !== undefined && get().library.some((m) => m.name === copyOf) ? ` (a model named "${copyOf}" is already in your models)` : '';
      await get().refreshLibrary();
      set({ libraryNotice: `Imported "${info.name}"${already}: choose it under "Your models" in the model list.` });
      return info;
    },
  };
};
