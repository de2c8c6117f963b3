/**
 * The user's model library and bundles, as the worker offers them: list, rename and delete library
 * models (keeping the active model's name and origin in step), save the active in-memory model,
 * export the active or a library model as a bundle .zip, and import a dropped bundle after checking
 * it against the teacher this app can run (bundle-zip.ts reads it, the engine's bundle contract judges it).
 */
import type * as tf from '@tensorflow/tfjs';
import { checkBundle, teacherTaps } from '../engine/bundle-contract';
import type { ModelMeta } from '../engine/model-meta';
import type { Student } from '../engine/student';
import type { TeacherMeta } from '../engine/teacher';
import { studentFromArtifacts, studentToArtifacts } from '../engine/weights-io';
import { trimSlash, type ActiveModel } from './active-model';
import type { BackendService } from './backends';
import { importName, uniqueName } from './bundle-names';
import { bundleFileName, bundleTeacherMismatch, exportBundleZip, readBundle, type TeacherIdentity } from './bundle-zip';
import { InferenceError, rewordUnlessOom } from './errors';
import type { ModelFileLoader } from './model-files';
import type { ModelLibrary } from './model-library';
import type { BundleFileMessage, CalibrationUpdate, ExportResult, ExportTarget, LibraryListing, LibraryModelInfo } from './types';

export class LibraryService {
  constructor(
    private readonly library: ModelLibrary,
    private readonly active: ActiveModel,
    private readonly backends: BackendService,
    private readonly loader: ModelFileLoader,
  ) {}

  /** The user's saved models (IndexedDB), newest first. */
  list(): Promise<LibraryListing> {
    return this.library.list();
  }

  /** Renames a library model (its id stays; the loaded model's name follows). */
  async rename(modelId: string, name: string): Promise<LibraryModelInfo> {
    const info = await this.library.rename(modelId, name);
    const m = this.active.current;
    if (m && m.info.id === modelId && m.request.source.kind === 'memory') {
      m.info = { ...m.info, name: info.name };
      m.request.source.name = info.name;
    }
    return info;
  }

  /**
   * A new calibration (threshold) for a model's meta.json: stored in the library for a library model; for
   * the active model trained here and not saved yet, kept with it (a later save stores it). The loaded
   * model's meta follows either way. Shipped models are read-only.
   */
  async setCalibration(modelId: string, calibration: ModelMeta['calibration']): Promise<CalibrationUpdate> {
    const m = this.active.current;
    const active = m && m.info.id === modelId ? m : null;
    let saved: LibraryModelInfo | null = null;
    let meta: ModelMeta;
    if (active && active.request.source.kind === 'memory' && active.request.source.origin === 'memory') {
      meta = { ...active.request.source.meta, calibration };
    } else if (active && active.request.source.kind === 'url') {
      throw new InferenceError('input', 'a model shipped with the app cannot store a threshold: use it for this session, or import its bundle into "Your models"');
    } else {
      saved = await this.library.setCalibration(modelId, calibration);
      meta = saved.meta;
    }
    if (active) {
      active.info = { ...active.info, meta };
      if (active.request.source.kind === 'memory') active.request.source.meta = meta;
    }
    return { meta, saved };
  }

  /** Deletes a library model. If it is the loaded model, it stays loaded, now held in memory only. */
  async remove(modelId: string): Promise<void> {
    await this.library.remove(modelId);
    const m = this.active.current;
    if (m && m.info.id === modelId && m.request.source.kind === 'memory') {
      m.info = { ...m.info, origin: 'memory' };
      m.request.source.origin = 'memory';
    }
  }

  /**
   * Saves the active model when it lives in memory only (trained here and not saved, or deleted from the
   * library while loaded). The active model then takes the library id (info.id = result.id).
   */
  async saveActive(name: string): Promise<LibraryModelInfo> {
    const m = this.active.current;
    if (!m) throw new InferenceError('model', 'no model is loaded to save');
    const source = m.request.source;
    if (source.kind !== 'memory') throw new InferenceError('input', 'this model ships with the app; only models trained here are saved to the library');
    if (source.origin === 'library') throw new InferenceError('input', `this model is already in the library as "${m.info.name ?? m.info.id}"`);
    const saved = await this.library.save(source.artifacts, source.meta, name, 'trained');
    source.origin = 'library';
    source.name = saved.name;
    m.info = { ...m.info, id: saved.id, origin: 'library', name: saved.name };
    m.request = { ...m.request, modelId: saved.id };
    return saved;
  }

  /** The active model or a library model as a bundle .zip (model.json, weights.bin, meta.json). */
  async export(target: ExportTarget): Promise<ExportResult> {
    let artifacts: tf.io.ModelArtifacts;
    let meta: ModelMeta;
    let name: string;
    if (!target || typeof target !== 'object') throw new InferenceError('input', 'exportModel needs a target');
    if (target.kind === 'indexeddb') {
      const stored = await this.library.load(target.id);
      ({ artifacts, meta } = stored);
      name = stored.info.name;
    } else if (target.kind === 'active') {
      const m = this.active.current;
      if (!m) throw new InferenceError('model', 'no model is loaded to export');
      name = m.info.name ?? m.info.id;
      if (m.request.source.kind === 'memory') {
        ({ artifacts, meta } = m.request.source);
      } else {
        // A shipped model: its weights as loaded (float32, dequantized if the bundle was quantized).
        artifacts = await studentToArtifacts(m.pipeline.student, m.evidence ? await m.evidence.bankEntry() : undefined);
        meta = { ...m.info.meta };
        delete meta.weights;
      }
    } else {
      throw new InferenceError('input', `unknown export target "${String((target as { kind?: unknown }).kind)}"`);
    }
    // The name travels in meta.json, so importing the zip elsewhere gives the model its name back.
    return { fileName: bundleFileName(name), bytes: await exportBundleZip(artifacts, { ...meta, name }) };
  }

  /**
   * Imports a dropped bundle (.zip, or model.json + weights.bin + meta.json) into the library after
   * checking it: files and weight bytes, format version, meta, teacher and taps (against the loaded
   * teacher, or the teacher files the app has under `teacherRoot`), and that the weights build a student.
   */
  async import(files: BundleFileMessage[], teacherRoot: string, name?: string): Promise<LibraryModelInfo> {
    await this.backends.ensureInit();
    const { artifacts, meta } = await readBundle(files);
    await this.checkTeacher(meta, teacherRoot);
    let student: Student | null = null;
    try {
      student = studentFromArtifacts(artifacts);
      const misfit = checkBundle({ meta, student: student.config });
      if (misfit) throw new Error(misfit);
    } catch (e) {
      throw rewordUnlessOom(e, 'model', `the bundle's weights are not a usable student model: `);
    } finally {
      student?.dispose();
    }
    const zip = files.find((f) => /\.zip$/i.test(f.name));
    const label = name?.trim() || importName(meta, zip?.name);
    const taken = (await this.library.list()).models.map((m) => m.name);
    return this.library.save(artifacts, meta, uniqueName(label, taken), 'imported');
  }

  /** Refuses a bundle whose teacher this app cannot run (InferenceError 'model'). */
  private async checkTeacher(meta: ModelMeta, teacherRoot: string): Promise<void> {
    const loadedTeacher = this.active.teacher;
    const loaded: TeacherIdentity | null = loadedTeacher ? { id: loadedTeacher.meta.id, tapSet: loadedTeacher.tapSet, taps: loadedTeacher.taps } : null;
    const loadedWhy = loaded ? bundleTeacherMismatch(meta, loaded) : null;
    if (loaded) {
      if (!loadedWhy) return;
      if (meta.teacher.id === loaded.id && meta.teacher.tapSet === loaded.tapSet) throw new InferenceError('model', loadedWhy);
    }
    // Another teacher than the loaded one (or none loaded): fine if the app has that teacher's files.
    let teacherMeta: TeacherMeta | null;
    try {
      teacherMeta = (await this.loader.readJson(`${trimSlash(teacherRoot)}/${meta.teacher.id}/meta.json`)) as TeacherMeta | null;
    } catch {
      teacherMeta = null;
    }
    if (teacherMeta && typeof teacherMeta === 'object' && teacherMeta.tapSets && teacherTaps(meta, teacherMeta)) {
      const why = checkBundle({ meta, teacher: teacherMeta });
      if (!why) return;
      throw new InferenceError('model', `this bundle does not fit this app's teacher ${meta.teacher.id}/${meta.teacher.tapSet}: ${why}`);
    }
    throw new InferenceError('model', loadedWhy ?? `this bundle was trained on teacher ${meta.teacher.id}/${meta.teacher.tapSet}, which this app does not have`);
  }
}
