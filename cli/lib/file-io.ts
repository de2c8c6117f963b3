/**
 * Minimal tf.io.IOHandler backed by a directory on disk (Node only): `model.json` + one weights file.
 * Works for layers models, graph models and custom artifacts (modelTopology may be any JSON value).
 *
 *   await model.save(fileSystemHandler('runs/x/student'));
 *   const m = await tf.loadLayersModel(fileSystemHandler('runs/x/student'));
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { specByteLength } from '../../src/engine/weights-io';

export interface FileSystemHandlerOptions {
  /** Default 'model.json'. */
  modelFile?: string;
  /** Default 'weights.bin' (only used when saving). */
  weightsFile?: string;
}

function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

/** Write through a temp file + rename so readers never see a half-written file. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** An IOHandler whose save and load are both present (so callers need no `!`). */
export type FileSystemIOHandler = tf.io.IOHandler & Required<Pick<tf.io.IOHandler, 'save' | 'load'>>;

export function fileSystemHandler(dir: string, opts: FileSystemHandlerOptions = {}): FileSystemIOHandler {
  const modelFile = opts.modelFile ?? 'model.json';
  const weightsFile = opts.weightsFile ?? 'weights.bin';

  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystemHandler: binary (ArrayBuffer) modelTopology is not supported');
      }
      await mkdir(dir, { recursive: true });
      const weightSpecs = artifacts.weightSpecs ?? [];
      const weightData = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      // String weights are variable-length; only check the byte count when every weight is numeric.
      const expected = weightSpecs.some((s) => s.dtype === 'string') ? weightData.byteLength : weightSpecs.reduce((n, s) => n + specByteLength(s), 0);
      if (expected !== weightData.byteLength) {
        throw new Error(`fileSystemHandler: weight specs describe ${expected} bytes but weightData has ${weightData.byteLength}`);
      }

      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [weightsFile], weights: weightSpecs }],
      };
      if (artifacts.format != null) json.format = artifacts.format;
      if (artifacts.generatedBy != null) json.generatedBy = artifacts.generatedBy;
      if (artifacts.convertedBy !== undefined) json.convertedBy = artifacts.convertedBy;
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature != null) json.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature != null) json.initializerSignature = artifacts.initializerSignature;

      await writeAtomic(path.join(dir, weightsFile), new Uint8Array(weightData));
      await writeAtomic(path.join(dir, modelFile), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(path.join(dir, modelFile), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) buffers.push(toArrayBuffer(await readFile(path.resolve(dir, p))));
        }
        const data: tf.io.WeightData = buffers.length === 1 ? buffers[0] : buffers;
        return [tf.io.getWeightSpecs(manifest), data];
      });
    },
  };
}

export { specByteLength };
