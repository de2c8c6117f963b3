/**
 * Model loading and the active model: reads a bundle (a shipped URL folder, a library record, or
 * artifacts held in memory), checks it against its teacher with the engine's bundle contract, builds
 * student and teacher and swaps them in. The previous model is disposed only once the new one works
 * (a failed load keeps it); a second model on the same teacher files and tap set reuses the teacher.
 *
 * Library and trained models are kept as artifacts in memory (MemorySource), so that a backend change
 * can rebuild them like the shipped ones, and so that they can be saved or exported exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBundle, parseModelMeta } from '../engine/bundle-contract';
import { FusedEvidence } from '../engine/evidence';
import type { ModelMeta } from '../engine/model-meta';
import { ReverseDistillationPipeline } from '../engine/pipeline';
import type { Student } from '../engine/student';
import { Teacher, type TeacherMeta } from '../engine/teacher';
import { bankFromArtifacts, studentFromArtifacts } from '../engine/weights-io';
import { InferenceError, classifyError, messageOf, rewordUnlessOom } from './errors';
import { forwardPass } from './forward-pass';
import { ModelFileError, checkWeightBytes, type ModelFileLoader } from './model-files';
import type { ModelLibrary } from './model-library';
import type { BackendName, LoadedModelInfo, ModelSource } from './types';

/** A model held in the worker's memory as artifacts: trained in this session, or read from the library. */
export interface MemorySource {
  kind: 'memory';
  artifacts: tf.io.ModelArtifacts;
  meta: ModelMeta;
  /** 'library': also stored in the library under the model's id; 'memory': only here. */
  origin: 'library' | 'memory';
  name?: string;
}

export interface LoadRequest {
  modelId: string;
  source: ModelSource | MemorySource;
  teacherRoot: string;
}

export interface LoadedModel {
  request: LoadRequest;
  info: LoadedModelInfo;
  pipeline: ReverseDistillationPipeline;
  /** The accurate profile's nearest-neighbour evidence (from the bundle's bank); null for the fast profile. */
  evidence: FusedEvidence | null;
  /** Identifies the teacher files + tap set, so a second model on the same teacher reuses it. */
  teacherKey: string;
}

/** Frees what a model owns besides its teacher (shared by the models of one teacher). */
function disposeOwn(m: LoadedModel): void {
  m.pipeline.student.dispose();
  m.evidence?.dispose();
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

interface Resolved {
  request: LoadRequest;
  meta: ModelMeta;
  where: string;
  artifacts: () => Promise<tf.io.ModelArtifacts>;
  memory: MemorySource | null;
}

export class ActiveModel {
  private model: LoadedModel | null = null;

  constructor(
    private readonly loader: ModelFileLoader,
    private readonly library: ModelLibrary,
    private readonly backend: () => BackendName | null,
    private readonly warmUp: boolean,
  ) {}

  /** The loaded model, or null. */
  get current(): LoadedModel | null {
    return this.model;
  }

  /** The loaded model's teacher, or null. */
  get teacher(): Teacher | null {
    return this.model ? (this.model.pipeline.teacher as Teacher) : null;
  }

  /** Makes `model` the active one (a student trained on the active teacher); the old student is disposed. */
  replaceStudent(model: LoadedModel): void {
    const old = this.model;
    this.model = model;
    if (old) disposeOwn(old);
  }

  /** Frees the loaded model (see BackendOptions.release); returns how to load it again, or null. */
  release(): (() => Promise<unknown>) | null {
    const request = this.model?.request ?? null;
    this.dispose();
    return request ? () => this.load(request) : null;
  }

  dispose(): void {
    const m = this.model;
    this.model = null;
    if (!m) return;
    for (const part of [{ dispose: () => disposeOwn(m) }, m.pipeline.teacher as Teacher]) {
      try {
        part.dispose();
      } catch {
        // a lost device may refuse to free its buffers; the tensors are gone from the engine either way
      }
    }
  }

  async load(original: LoadRequest): Promise<LoadedModelInfo> {
    const t0 = performance.now();
    const { modelId } = original;
    const teacherRoot = trimSlash(original.teacherRoot);
    const { request: req, meta, where: folder, artifacts: getArtifacts, memory } = await this.resolveSource(original);

    const teacherFolder = `${teacherRoot}/${meta.teacher.id}`;
    const teacherMeta = (await this.readJson(`${teacherFolder}/meta.json`, `teacher "${meta.teacher.id}"`)) as TeacherMeta | null;
    if (!teacherMeta || typeof teacherMeta !== 'object' || !teacherMeta.tapSets) {
      throw new InferenceError('model', `teacher files corrupt: ${teacherFolder}/meta.json has no tap sets`);
    }
    const mismatch = checkBundle({ meta, teacher: teacherMeta });
    if (mismatch) throw new InferenceError('model', `model "${modelId}" does not fit the teacher in ${teacherFolder}: ${mismatch}`);

    let student: Student | null = null;
    let evidence: FusedEvidence | null = null;
    let teacher: Teacher | null = null;
    const teacherKey = `${teacherFolder}|${meta.teacher.tapSet}`;
    const reuseTeacher = this.model?.teacherKey === teacherKey;
    try {
      const artifacts = await getArtifacts();
      const corrupt = checkBundle({ meta, artifacts });
      if (corrupt) throw new InferenceError('model', `model files corrupt: ${folder}: ${corrupt}`);
      try {
        student = studentFromArtifacts(artifacts);
      } catch (e) {
        throw rewordUnlessOom(e, 'model', `model files corrupt: ${folder}: `);
      }
      const misfit = checkBundle({ meta, student: student.config });
      if (misfit) throw new InferenceError('model', `model "${modelId}": ${misfit}`);
      const bank = meta.evidence ? bankFromArtifacts(artifacts) : null;
      if (meta.evidence && bank) evidence = FusedEvidence.fromStored(meta.evidence, bank);

      if (reuseTeacher) {
        teacher = this.model!.pipeline.teacher as Teacher;
      } else {
        const teacherArtifacts = await this.loadArtifacts(teacherFolder, `teacher "${meta.teacher.id}"`);
        try {
          teacher = await Teacher.load(tf.io.fromMemory(teacherArtifacts), teacherMeta, meta.teacher.tapSet);
        } catch (e) {
          throw rewordUnlessOom(e, 'model', `teacher files corrupt: ${teacherFolder}: `);
        }
      }

      const pipeline = ReverseDistillationPipeline.fromMeta(teacher, student, meta);
      if (this.warmUp) {
        const side = 32;
        await forwardPass(pipeline, { width: side, height: side, rgba: new Uint8ClampedArray(side * side * 4).fill(128) }, this.backend(), evidence);
      }

      // Swap in; the old model goes (its teacher too, unless the new model shares it).
      const old = this.model;
      const info: LoadedModelInfo = {
        id: modelId,
        meta,
        teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`,
        inputSize: meta.inputSize,
        loadMs: performance.now() - t0,
        origin: memory?.origin ?? 'url',
        ...(memory?.name !== undefined ? { name: memory.name } : {}),
      };
      this.model = { request: req, info, pipeline, evidence, teacherKey };
      if (old) {
        disposeOwn(old);
        if (!reuseTeacher) (old.pipeline.teacher as Teacher).dispose();
      }
      return info;
    } catch (e) {
      student?.dispose();
      evidence?.dispose();
      if (teacher && !reuseTeacher) teacher.dispose();
      throw classifyError(e, 'backend');
    }
  }

  private async readJson(url: string, what: string): Promise<unknown> {
    try {
      return await this.loader.readJson(url);
    } catch (e) {
      if (e instanceof ModelFileError) throw new InferenceError('model', e.message);
      throw new InferenceError('model', `${what} could not be read: ${url} (${messageOf(e)})`);
    }
  }

  private async loadArtifacts(folder: string, what: string): Promise<tf.io.ModelArtifacts> {
    const handler = this.loader.handler(folder);
    if (!handler.load) throw new InferenceError('internal', `no loader for ${folder}`);
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await handler.load();
    } catch (e) {
      if (e instanceof ModelFileError) throw new InferenceError('model', e.message);
      throw new InferenceError('model', `${what} could not be read from ${folder}/model.json: ${messageOf(e)}`);
    }
    try {
      checkWeightBytes(artifacts, `${folder}/weights.bin`);
    } catch (e) {
      throw new InferenceError('model', messageOf(e));
    }
    return artifacts;
  }

  /** meta + a way to get the weights, for each kind of source; library models become memory sources. */
  private async resolveSource(req: LoadRequest): Promise<Resolved> {
    const { modelId, source } = req;
    if (source.kind === 'url') {
      const folder = trimSlash(source.url);
      const parsed = parseModelMeta(await this.readJson(`${folder}/meta.json`, `meta.json of model "${modelId}"`));
      if (!parsed.meta) throw new InferenceError('model', `model "${modelId}": ${parsed.newerFormat ? folder : `${folder}/meta.json`}: ${parsed.reason}`);
      return { request: req, meta: parsed.meta, where: folder, artifacts: () => this.loadArtifacts(folder, `the weights of model "${modelId}"`), memory: null };
    }
    let memory: MemorySource;
    if (source.kind === 'indexeddb') {
      const stored = await this.library.load(source.id);
      memory = { kind: 'memory', artifacts: stored.artifacts, meta: stored.meta, origin: 'library', name: stored.info.name };
    } else if (source.kind === 'memory') {
      memory = source;
    } else {
      throw new InferenceError('input', `unknown model source kind "${String((source as { kind?: unknown }).kind)}"`);
    }
    const where = memory.origin === 'library' ? `library model "${modelId}"` : `model "${modelId}" (in memory)`;
    const why = parseModelMeta(memory.meta).reason ?? checkBundle({ meta: memory.meta, artifacts: memory.artifacts });
    if (why) throw new InferenceError('model', `${where}: ${why}`);
    const artifacts = memory.artifacts;
    return { request: { ...req, source: memory }, meta: memory.meta, where, artifacts: async () => artifacts, memory };
  }
}
