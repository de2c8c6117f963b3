/** The inspector's state: create one store per app (or per test) around its services. */
export { createInspectorStore, type InspectorStore } from './create-store';
export { NotFoundError, type InferenceService, type StoreServices } from './services';
export type { EngineSlice, FileInput, ImagesSlice, InspectorState, ModelsSlice, TrainingSlice, ViewerSlice } from './state';
export * from './selectors';
export * from './types';
export {
  appendLoss,
  backendLabel,
  baseName,
  checkTrainSettings,
  clampSigma,
  DEFAULT_TRAIN_SETTINGS,
  defaultThreshold,
  fusionOf,
  isBundleFileName,
  MAX_TRAIN_EPOCHS,
  MODEL_INDEX_PATH,
  PRESET_LEARNING_RATE,
  presetOf,
  SAMPLE_INDEX_PATH,
  scalesFromMeta,
  scoreKey,
  SIGMA_MAX,
  SIGMA_MIN,
  SIGMA_STEP,
  TRAIN_PRESET_IDS,
  TRAIN_PRESETS,
  trainFraction,
} from './logic';
