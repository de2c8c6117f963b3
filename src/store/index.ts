/** The inspector's state: create one store per app (or per test) around its services. */
export { createInspectorStore, type InspectorStore } from './create-store';
export { NotFoundError, type InferenceService, type StoreServices } from './services';
export type { EngineSlice, FileInput, ImagesSlice, InspectorState, ModelsSlice, ViewerSlice } from './state';
export * from './selectors';
export * from './types';
export {
  backendLabel,
  baseName,
  clampSigma,
  defaultThreshold,
  fusionOf,
  MODEL_INDEX_PATH,
  SAMPLE_INDEX_PATH,
  scoreKey,
  SIGMA_MAX,
  SIGMA_MIN,
  SIGMA_STEP,
} from './logic';
