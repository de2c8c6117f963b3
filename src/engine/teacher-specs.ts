/**
 * Teacher descriptions: which pretrained CNN, in which tfjs format, and where its three feature taps
 * (shallow → deep, nominal strides 4 / 8 / 16) sit. Pure data + tiny pure helpers: no tfjs, no Node.
 *
 * The teachers are converted from the MIT-licensed npm package nsfwjs@4.4.0 by cli/convert-teacher.ts;
 * the converted model keeps every layer/node up to the deepest tap of all tap sets, so any tap set of a
 * teacher can be selected at load time without reconverting.
 */

export type TeacherId = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';
export type TeacherFormat = 'layers' | 'graph';

/**
 * One spatial-size-changing step between the input and a tap: [kernel, stride, padding], where padding
 * is 'same' (out = ceil(n / stride)) or the total explicit+implicit padding in pixels for a VALID op
 * (out = floor((n + pad - kernel) / stride) + 1). Steps that keep the size are omitted.
 */
export type SizeOp = readonly [kernel: number, stride: number, padding: 'same' | number];

export interface TapSpec {
  /** Keras layer name (layers format) or graph node name (graph format). */
  readonly name: string;
  /** Short human label. */
  readonly label: string;
  /** Nominal stride (input size / tap size for multiples of 32 on the MobileNets). */
  readonly stride: number;
  readonly channels: number;
  /** Exact output-size recipe; see {@link tapSize}. */
  readonly sizeOps: readonly SizeOp[];
}

export interface TeacherSpec {
  readonly id: TeacherId;
  /** Format of the nsfwjs source model (the converted teacher is always a graph model). */
  readonly format: TeacherFormat;
  readonly label: string;
  /** Folder under node_modules/nsfwjs/dist/models/. */
  readonly nsfwjsModel: string;
  /** Input size the source model was built for. */
  readonly sourceInputSize: number;
  readonly tapSets: Readonly<Record<string, readonly TapSpec[]>>;
  readonly defaultTapSet: string;
  readonly notes: string;
}

/** Per-tap entry stored in meta.json. */
export interface TapMeta {
  name: string;
  label: string;
  stride: number;
  channels: number;
  sizeOps: SizeOp[];
}

/** Contents of public/models/teacher/<id>/meta.json. */
export interface TeacherMeta {
  formatVersion: typeof TEACHER_FORMAT_VERSION;
  id: TeacherId;
  format: TeacherFormat;
  source: string;
  inputRange: [number, number];
  defaultInputSize: number;
  tapSets: Record<string, TapMeta[]>;
  defaultTapSet: string;
}

/** 2: fused graph models (BN folded at conversion); 1 was the unfused layers model, reconverted on sight. */
export const TEACHER_FORMAT_VERSION = 2 as const;
export const TEACHER_SOURCE = 'nsfwjs@4.4.0 (MIT)';
export const DEFAULT_TEACHER: TeacherId = 'mobilenet_v2';
export const DEFAULT_TEACHER_INPUT_SIZE = 256;
export const TEACHER_IDS: readonly TeacherId[] = ['mobilenet_v2', 'mobilenet_v2_mid', 'inception_v3'];

// ---- MobileNetV2 (keras_applications): stride-2 convs are ZeroPadding2D((0,1),(0,1)) + VALID 3×3.
const KP: SizeOp = [3, 2, 1];
const MNV2_S4: SizeOp[] = [KP, KP]; // Conv1, block_1 depthwise
const MNV2_S8: SizeOp[] = [...MNV2_S4, KP]; // + block_3 depthwise
const MNV2_S16: SizeOp[] = [...MNV2_S8, KP]; // + block_6 depthwise

// ---- MobileNetV2 (TF-slim graph): stride-2 convs use SAME padding.
const GS: SizeOp = [3, 2, 'same'];

// ---- InceptionV3 (keras): VALID stem.
const INC_S4: SizeOp[] = [[3, 2, 0], [3, 1, 0], [3, 2, 0], [3, 1, 0]]; // conv2d_1, conv2d_2, max_pool_1, conv2d_5
const INC_S8: SizeOp[] = [...INC_S4, [3, 2, 0]]; // max_pool_2
const INC_S16: SizeOp[] = [...INC_S8, [3, 2, 0]]; // mixed3 reduction

const MID = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/';

export const TEACHER_SPECS: Readonly<Record<TeacherId, TeacherSpec>> = {
  mobilenet_v2: {
    id: 'mobilenet_v2',
    format: 'layers',
    label: 'MobileNetV2 ×1.0 (Keras)',
    nsfwjsModel: 'mobilenet_v2',
    sourceInputSize: 224,
    defaultTapSet: 'expand',
    tapSets: {
      expand: [
        { name: 'block_3_expand_relu', label: 'block_3_expand', stride: 4, channels: 144, sizeOps: MNV2_S4 },
        { name: 'block_6_expand_relu', label: 'block_6_expand', stride: 8, channels: 192, sizeOps: MNV2_S8 },
        { name: 'block_13_expand_relu', label: 'block_13_expand', stride: 16, channels: 576, sizeOps: MNV2_S16 },
      ],
      imagenet: [
        { name: 'block_2_add', label: 'block_2_add', stride: 4, channels: 24, sizeOps: MNV2_S4 },
        { name: 'block_5_add', label: 'block_5_add', stride: 8, channels: 32, sizeOps: MNV2_S8 },
        { name: 'block_10_expand_relu', label: 'block_10_expand', stride: 16, channels: 384, sizeOps: MNV2_S16 },
      ],
    },
    notes: 'Blocks 0–10 frozen ImageNet weights, blocks 11–16 fine-tuned by nsfwjs; block_13 tap is fine-tuned. uint8-quantized weights.',
  },
  mobilenet_v2_mid: {
    id: 'mobilenet_v2_mid',
    format: 'graph',
    label: 'MobileNetV2 ×1.4 (TF-Hub graph, BN folded)',
    nsfwjsModel: 'mobilenet_v2_mid',
    sourceInputSize: 224,
    defaultTapSet: 'expand',
    tapSets: {
      expand: [
        { name: `${MID}expanded_conv_3/expand/Relu6`, label: 'expanded_conv_3/expand', stride: 4, channels: 192, sizeOps: [GS, GS] },
        { name: `${MID}expanded_conv_6/expand/Relu6`, label: 'expanded_conv_6/expand', stride: 8, channels: 288, sizeOps: [GS, GS, GS] },
        { name: `${MID}expanded_conv_13/expand/Relu6`, label: 'expanded_conv_13/expand', stride: 16, channels: 816, sizeOps: [GS, GS, GS, GS] },
      ],
    },
    notes: 'Graph model; scales [0,1] → [-1,1] internally (hub_input). uint8-quantized weights.',
  },
  inception_v3: {
    id: 'inception_v3',
    format: 'layers',
    label: 'InceptionV3 (Keras)',
    nsfwjsModel: 'inception_v3',
    sourceInputSize: 299,
    defaultTapSet: 'default',
    tapSets: {
      default: [
        { name: 'activation_5', label: 'activation_5', stride: 4, channels: 192, sizeOps: INC_S4 },
        { name: 'mixed2', label: 'mixed2', stride: 8, channels: 288, sizeOps: INC_S8 },
        { name: 'mixed7', label: 'mixed7', stride: 16, channels: 768, sizeOps: INC_S16 },
      ],
      imagenet: [
        { name: 'activation_5', label: 'activation_5', stride: 4, channels: 192, sizeOps: INC_S4 },
        { name: 'mixed2', label: 'mixed2', stride: 8, channels: 288, sizeOps: INC_S8 },
        { name: 'mixed5', label: 'mixed5', stride: 16, channels: 768, sizeOps: INC_S16 },
      ],
    },
    notes: 'VALID-padded stem: odd grids (60/29/14 at 256², 52/25/12 at 224²). Layers from conv2d_56 on are fine-tuned by nsfwjs (mixed6 partly, mixed7); mixed5 and earlier are frozen ImageNet. uint8-quantized weights.',
  },
};

/** Output size along one axis after the given size ops. */
export function tapSize(sizeOps: readonly SizeOp[], inputSize: number): number {
  let n = inputSize;
  for (const [k, s, pad] of sizeOps) {
    n = pad === 'same' ? Math.ceil(n / s) : Math.floor((n + pad - k) / s) + 1;
  }
  return n;
}

/** [h, w, c] of each tap for an input of height×width. */
export function tapShapesFor(taps: readonly Pick<TapSpec, 'sizeOps' | 'channels'>[], height: number, width = height): [number, number, number][] {
  return taps.map((t) => [tapSize(t.sizeOps, height), tapSize(t.sizeOps, width), t.channels]);
}

/** Names of every tap of every tap set, deduplicated, in first-seen order. */
export function allTapNames(spec: Pick<TeacherSpec, 'tapSets'>): string[] {
  const seen = new Set<string>();
  for (const taps of Object.values(spec.tapSets)) for (const t of taps) seen.add(t.name);
  return [...seen];
}

export function isTeacherId(s: string): s is TeacherId {
  return (TEACHER_IDS as readonly string[]).includes(s);
}

/** The meta.json object for a teacher (what cli/convert-teacher.ts writes). */
export function teacherMetaFromSpec(spec: TeacherSpec, defaultInputSize = DEFAULT_TEACHER_INPUT_SIZE): TeacherMeta {
  const tapSets: Record<string, TapMeta[]> = {};
  for (const [k, taps] of Object.entries(spec.tapSets)) {
    tapSets[k] = taps.map((t) => ({ name: t.name, label: t.label, stride: t.stride, channels: t.channels, sizeOps: t.sizeOps.map((o) => [...o] as SizeOp) }));
  }
  return {
    formatVersion: TEACHER_FORMAT_VERSION,
    id: spec.id,
    format: 'graph',
    source: TEACHER_SOURCE,
    inputRange: [0, 1],
    defaultInputSize,
    tapSets,
    defaultTapSet: spec.defaultTapSet,
  };
}
