/**
 * Student weights ⇄ tfjs ModelArtifacts. The artifacts are a standard tfjs weights manifest (so any
 * tf.io handler — files, IndexedDB, browser downloads, http — can store and load them); the
 * modelTopology field carries our own student config instead of a Keras topology.
 */
import * as tf from '@tensorflow/tfjs';
import { Student, StudentConfig, validateStudentConfig } from './student';

export const STUDENT_TOPOLOGY_CLASS = 'RD4ADStudent';
export const STUDENT_FORMAT = 'rd4ad-student';

interface StudentTopology {
  class_name: typeof STUDENT_TOPOLOGY_CLASS;
  config: StudentConfig;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1, complex64: 8 };

/** Stored byte length of one weight (after quantization); string weights are not supported. */
export function specByteLength(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const b = DTYPE_BYTES[dtype];
  if (b == null) throw new Error(`specByteLength: unsupported dtype ${dtype} for ${spec.name}`);
  return n * b;
}

/** Bytes of the weight data (what a browser downloads besides the small JSON files), without joining it. */
export function weightBytes(artifacts: tf.io.ModelArtifacts): number {
  const d = artifacts.weightData;
  if (d == null) return 0;
  return Array.isArray(d) ? d.reduce((n, b) => n + b.byteLength, 0) : d.byteLength;
}

export function weightDataToArrayBuffer(data: tf.io.WeightData): ArrayBuffer {
  return tf.io.CompositeArrayBuffer.join(data);
}

/**
 * The accurate profile's nearest-neighbour bank [vectors, dims] travels as one more entry of the weights
 * manifest, so that every path that carries a bundle's artifacts (files, IndexedDB, .zip, memory) carries
 * it too; meta.evidence says how to use it.
 */
export const BANK_WEIGHT = 'evidence/bank';

/** `bank`: the accurate profile's bank vectors (row-major) and their shape. */
export async function studentToArtifacts(student: Student, bank?: { vectors: Float32Array; shape: [number, number] }): Promise<tf.io.ModelArtifacts> {
  const named: tf.NamedTensorMap = {};
  for (const [name, v] of student.store.variables) named[name] = v;
  const bankTensor = bank ? tf.tensor2d(bank.vectors, bank.shape) : null;
  if (bankTensor) named[BANK_WEIGHT] = bankTensor;
  let encoded: Awaited<ReturnType<typeof tf.io.encodeWeights>>;
  try {
    encoded = await tf.io.encodeWeights(named);
  } finally {
    bankTensor?.dispose();
  }
  const { data, specs } = encoded;
  const topology: StudentTopology = { class_name: STUDENT_TOPOLOGY_CLASS, config: student.config };
  return {
    modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
    format: STUDENT_FORMAT,
    generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}

export function studentFromArtifacts(artifacts: tf.io.ModelArtifacts): Student {
  const topology = artifacts.modelTopology as unknown as StudentTopology | undefined;
  if (!topology || topology.class_name !== STUDENT_TOPOLOGY_CLASS) {
    throw new Error(`not a student model: expected modelTopology.class_name "${STUDENT_TOPOLOGY_CLASS}"`);
  }
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error('student model has no weights');
  validateStudentConfig(topology.config);
  const weights = tf.io.decodeWeights(weightDataToArrayBuffer(artifacts.weightData), artifacts.weightSpecs);
  weights[BANK_WEIGHT]?.dispose(); // not the student's: bankFromArtifacts reads it
  delete weights[BANK_WEIGHT];
  const student = new Student(topology.config, 0);
  try {
    assignWeights(student, weights);
  } catch (e) {
    student.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(weights));
  }
  return student;
}

/** The bank entry's shape in the manifest, or null when the artifacts hold none. */
export function bankShape(artifacts: tf.io.ModelArtifacts): number[] | null {
  return artifacts.weightSpecs?.find((s) => s.name === BANK_WEIGHT)?.shape ?? null;
}

/** The bank vectors (dequantized when stored quantized), decoding only their bytes; null when there is no bank. */
export function bankFromArtifacts(artifacts: tf.io.ModelArtifacts): Float32Array | null {
  const specs = artifacts.weightSpecs ?? [];
  const at = specs.findIndex((s) => s.name === BANK_WEIGHT);
  if (at < 0 || !artifacts.weightData) return null;
  const offset = specs.slice(0, at).reduce((n, s) => n + specByteLength(s), 0);
  const buffer = weightDataToArrayBuffer(artifacts.weightData).slice(offset, offset + specByteLength(specs[at]));
  const t = tf.io.decodeWeights(buffer, [specs[at]])[BANK_WEIGHT];
  try {
    return Float32Array.from(t.dataSync() as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Copy named tensors into the student's variables; every variable must be present with its shape. */
export function assignWeights(student: Student, weights: tf.NamedTensorMap): void {
  for (const [name, v] of student.store.variables) {
    const w = weights[name];
    if (!w) throw new Error(`student weights: missing "${name}"`);
    if (w.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`student weights: "${name}" has shape [${w.shape}], expected [${v.shape}]`);
    }
    const values = w.dtype === 'float32' ? w : tf.cast(w, 'float32');
    v.assign(values);
    if (values !== w) values.dispose();
  }
  const extra = Object.keys(weights).filter((k) => !student.store.variables.has(k));
  if (extra.length > 0) throw new Error(`student weights: unexpected entries ${extra.slice(0, 3).join(', ')}`);
}
