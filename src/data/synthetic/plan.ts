/**
 * What a synthetic dataset and its sample gallery contain, as plain data: MVTec folder layout and
 * file names for each image, and the gallery's `index.json`. Derived from the generator's
 * deterministic rules only (never from files on disk), so any subset can be regenerated alone.
 */
import { CATEGORIES, IMAGE_SIZE, categoryInfo, type CategoryId, type SampleId } from './generator.ts';

export interface DatasetCounts {
  /** Images in train/good. */
  train: number;
  /** Images in test/good. */
  testGood: number;
  /** Images in each test/<defect> folder (size classes cycle large, medium, small). */
  testDefect: number;
}

export const DEFAULT_COUNTS: Readonly<DatasetCounts> = { train: 120, testGood: 24, testDefect: 12 };

export interface PlannedImage {
  id: SampleId;
  /** Relative to the category folder, '/'-separated, e.g. 'test/hole/003.png'. */
  image: string;
  /** e.g. 'ground_truth/hole/003_mask.png'; null for good images. */
  mask: string | null;
}

/** MVTec's three-digit file stem. */
export function fileStem(index: number): string {
  return String(index).padStart(3, '0');
}

/** Every image of one category in MVTec layout, train first, then test/good, then each defect kind. */
export function datasetPlan(category: CategoryId, seed: number, counts: DatasetCounts = DEFAULT_COUNTS): PlannedImage[] {
  const info = categoryInfo(category);
  const plan: PlannedImage[] = [];
  for (let i = 0; i < counts.train; i++) {
    plan.push({ id: { category, split: 'train', label: 'good', index: i, seed }, image: `train/good/${fileStem(i)}.png`, mask: null });
  }
  for (let i = 0; i < counts.testGood; i++) {
    plan.push({ id: { category, split: 'test', label: 'good', index: i, seed }, image: `test/good/${fileStem(i)}.png`, mask: null });
  }
  for (const defect of info.defectKinds) {
    for (let i = 0; i < counts.testDefect; i++) {
      plan.push({
        id: { category, split: 'test', label: defect, index: i, seed },
        image: `test/${defect}/${fileStem(i)}.png`,
        mask: `ground_truth/${defect}/${fileStem(i)}_mask.png`,
      });
    }
  }
  return plan;
}

/** Test-split indices shown in the gallery: index 0 is a large defect, index 2 a small one. */
const GALLERY_GOOD = [0, 1];
const GALLERY_LARGE = 0;
const GALLERY_SMALL = 2;

export interface GalleryImage {
  id: SampleId;
  /** File names inside the category's gallery folder. */
  image: string;
  mask: string | null;
}

/**
 * The gallery of one category: two good test images, and per defect kind its first (large) test
 * image plus, where the defect's size varies, its first small one.
 */
export function galleryPlan(category: CategoryId, seed: number): GalleryImage[] {
  const info = categoryInfo(category);
  const out: GalleryImage[] = GALLERY_GOOD.map((index) => ({
    id: { category, split: 'test', label: 'good', index, seed },
    image: `good_${fileStem(index)}.png`,
    mask: null,
  }));
  for (const defect of info.defectKinds) {
    const indices = info.sizedDefectKinds.includes(defect) ? [GALLERY_LARGE, GALLERY_SMALL] : [GALLERY_LARGE];
    for (const index of indices) {
      out.push({
        id: { category, split: 'test', label: defect, index, seed },
        image: `${defect}_${fileStem(index)}.png`,
        mask: `${defect}_${fileStem(index)}_mask.png`,
      });
    }
  }
  return out;
}

export interface GalleryIndex {
  version: 1;
  generator: string;
  seed: number;
  categories: {
    id: CategoryId;
    title: string;
    kind: 'texture' | 'object';
    model: string;
    defectKinds: string[];
    samples: GallerySample[];
  }[];
}

/** One gallery image as index.json lists it (the app and the e2e tests read the same shape). */
export interface GallerySample {
  /** Path relative to the app's public root, e.g. samples/fabric/hole_000.png. */
  file: string;
  label: 'good' | 'defect';
  defect: string | null;
  mask: string | null;
  width: number;
  height: number;
}

/** Folder of the gallery inside the app's public root. */
export const GALLERY_PUBLIC_DIR = 'samples';

/** The gallery's index.json content for all categories (paths relative to the app's public root). */
export function galleryIndex(seed: number): GalleryIndex {
  return {
    version: 1,
    generator: `npm run make:samples -- --seed ${seed}`,
    seed,
    categories: CATEGORIES.map((c) => ({
      id: c.id,
      title: c.title,
      kind: c.kind,
      model: `models/students/${c.id}`,
      defectKinds: [...c.defectKinds],
      samples: galleryPlan(c.id, seed).map((g) => ({
        file: `${GALLERY_PUBLIC_DIR}/${c.id}/${g.image}`,
        label: g.id.label === 'good' ? 'good' : 'defect',
        defect: g.id.label === 'good' ? null : g.id.label,
        mask: g.mask === null ? null : `${GALLERY_PUBLIC_DIR}/${c.id}/${g.mask}`,
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
      })),
    })),
  };
}

/** index.json text: 2-space indent, keys in the order above, trailing newline. */
export function galleryIndexJson(seed: number): string {
  return `${JSON.stringify(galleryIndex(seed), null, 2)}\n`;
}
