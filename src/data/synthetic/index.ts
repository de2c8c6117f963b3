/** Procedural, deterministic inspection datasets with exact defect masks (see generator.ts). */
export {
  CATEGORIES, CATEGORY_IDS, IMAGE_SIZE, categoryInfo, defectSizeFor, renderSample, sampleSeed,
  type CategoryId, type CategoryInfo, type DefectSize, type RenderOptions, type SampleId, type SyntheticSample,
} from './generator.ts';
export {
  DEFAULT_COUNTS, GALLERY_PUBLIC_DIR, datasetPlan, fileStem, galleryIndex, galleryIndexJson, galleryPlan,
  type DatasetCounts, type GalleryImage, type GalleryIndex, type PlannedImage,
} from './plan.ts';
