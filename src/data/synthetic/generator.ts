/**
 * Procedural inspection images with exact defect masks. Every image is a pure function of
 * (category, split, label, index, seed): its own seed is a hash of those, so any single image can be
 * regenerated without the others, and the same call gives the same bytes on every run.
 *
 * An image uses three independent random streams of its seed: the scene (pose, material phase and
 * colour, lighting), the defect, and the sensor noise. A defect image can therefore also be rendered
 * without its defect (`omitDefect`), giving exactly the normal image it was made from.
 */
import type { RgbImage } from '../image.ts';
import { fabric, FABRIC_DEFECTS } from './fabric.ts';
import { flange, FLANGE_DEFECTS } from './flange.ts';
import { hashString, streamRandom } from './noise.ts';
import { createCanvas, drawLighting, finishImage, maskFromWeight } from './raster.ts';
import type { CategoryGenerator, CategoryId, DefectSize } from './types.ts';
import { wood, WOOD_DEFECTS } from './wood.ts';

export type { CategoryId, DefectSize } from './types.ts';

export const IMAGE_SIZE = 256;

export interface CategoryInfo {
  id: CategoryId;
  title: string;
  /** MVTec's split of categories into stationary textures and positioned objects. */
  kind: 'texture' | 'object';
  defectKinds: readonly string[];
  /** Defect kinds whose extent follows the size class (the others have one natural size). */
  sizedDefectKinds: readonly string[];
}

export const CATEGORIES: readonly CategoryInfo[] = [
  { id: 'fabric', title: 'Woven fabric', kind: 'texture', defectKinds: FABRIC_DEFECTS, sizedDefectKinds: FABRIC_DEFECTS },
  { id: 'wood', title: 'Planed wood', kind: 'texture', defectKinds: WOOD_DEFECTS, sizedDefectKinds: WOOD_DEFECTS },
  { id: 'flange', title: 'Machined flange', kind: 'object', defectKinds: FLANGE_DEFECTS, sizedDefectKinds: ['scratch', 'contamination'] },
];

export const CATEGORY_IDS: readonly CategoryId[] = CATEGORIES.map((c) => c.id);

export function categoryInfo(id: string): CategoryInfo {
  const info = CATEGORIES.find((c) => c.id === id);
  if (!info) throw new RangeError(`unknown synthetic category "${id}" (known: ${CATEGORY_IDS.join(', ')})`);
  return info;
}

// Each generator has its own scene and defect types; the pipeline below only passes them through.
const GENERATORS: Record<CategoryId, CategoryGenerator<unknown, unknown>> = {
  fabric: fabric as CategoryGenerator<unknown, unknown>,
  wood: wood as CategoryGenerator<unknown, unknown>,
  flange: flange as CategoryGenerator<unknown, unknown>,
};

export interface SampleId {
  category: CategoryId;
  split: 'train' | 'test';
  /** 'good' or one of the category's defect kinds (test split only). */
  label: string;
  /** Position within its folder, from 0. */
  index: number;
  seed: number;
}

export interface SyntheticSample {
  id: SampleId;
  image: RgbImage;
  /** 0/255 per pixel, row-major; null for good images (and when the defect was omitted). */
  mask: Uint8Array | null;
  /** The size class of a defect image, null for good images. */
  defectSize: DefectSize | null;
}

export interface RenderOptions {
  /** Render a defect image's underlying normal image instead (same scene, lighting and noise). */
  omitDefect?: boolean;
}

/** Size classes cycle large, medium, small through a defect folder, so a third are small. */
export function defectSizeFor(index: number): DefectSize {
  return (['large', 'medium', 'small'] as const)[index % 3];
}

/** The seed of one image: a hash of everything that names it. */
export function sampleSeed(id: SampleId): number {
  return hashString(`${id.category}/${id.split}/${id.label}/${id.index}/${id.seed}`);
}

function checkSampleId(id: SampleId): CategoryInfo {
  const info = categoryInfo(id.category);
  if (!Number.isInteger(id.index) || id.index < 0) throw new RangeError(`sample index must be a non-negative integer, got ${id.index}`);
  if (!Number.isInteger(id.seed)) throw new RangeError(`seed must be an integer, got ${id.seed}`);
  if (id.label !== 'good') {
    if (id.split !== 'test') throw new RangeError('defect images exist only in the test split');
    if (!info.defectKinds.includes(id.label)) {
      throw new RangeError(`${id.category} has no defect kind "${id.label}" (known: ${info.defectKinds.join(', ')})`);
    }
  }
  return info;
}

/** A defect smaller than this many mask pixels is redrawn (e.g. a scratch that fell into a bolt hole). */
const MIN_MASK_PIXELS = 20;
const MAX_DEFECT_ATTEMPTS = 8;

export function renderSample(id: SampleId, options: RenderOptions = {}): SyntheticSample {
  checkSampleId(id);
  const generator = GENERATORS[id.category];
  const seed = sampleSeed(id);
  const sceneRng = streamRandom(seed, 1);
  const scene = generator.drawScene(sceneRng, IMAGE_SIZE, IMAGE_SIZE);
  const lighting = drawLighting(sceneRng);
  const isDefect = id.label !== 'good';
  const defectSize = isDefect ? defectSizeFor(id.index) : null;
  const pixels = IMAGE_SIZE * IMAGE_SIZE;

  let canvas = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
  let mask: Uint8Array | null = null;
  if (isDefect && !options.omitDefect) {
    const defectRng = streamRandom(seed, 2);
    for (let attempt = 1; ; attempt++) {
      const weight = new Float32Array(pixels);
      const defect = generator.drawDefect(id.label, defectSize!, defectRng, scene);
      generator.render(scene, defect, canvas, weight);
      mask = maskFromWeight(weight);
      let count = 0;
      for (let i = 0; i < pixels; i++) if (mask[i]) count++;
      if (count >= MIN_MASK_PIXELS) break;
      if (attempt === MAX_DEFECT_ATTEMPTS) throw new Error(`could not place a visible ${id.label} on ${id.category} image ${id.index}`);
      canvas = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
    }
  } else {
    generator.render(scene, null, canvas, new Float32Array(pixels));
  }
  const image = finishImage(canvas, lighting, streamRandom(seed, 3));
  return { id, image, mask, defectSize };
}
