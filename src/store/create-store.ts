/**
 * The inspector store: a vanilla zustand store (usable in Node) assembled from its slices around a
 * runtime that holds the injected services — the worker client is never part of the state.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createCameraSlice } from './camera-slice';
import { createEngineSlice } from './engine-slice';
import { createErrorsSlice } from './errors-slice';
import { createEvaluationSlice } from './evaluation-slice';
import { createImagesSlice } from './images-slice';
import { createLibrarySlice } from './library-slice';
import { createModelsSlice } from './models-slice';
import { createRuntime } from './runtime';
import type { StoreServices } from './services';
import type { InspectorState } from './state';
import { createTeachAdviceSlice } from './teach-advice-slice';
import { createTrainSetupSlice } from './train-setup-slice';
import { createTrainingSlice } from './training-slice';
import { createViewerSlice } from './viewer-slice';

export type InspectorStore = StoreApi<InspectorState>;

/** A fresh store around the given services (the app makes one; each test makes its own). */
export function createInspectorStore(services: StoreServices): InspectorStore {
  return createStore<InspectorState>()((set, get) => {
    const rt = createRuntime(services, set, get);
    return {
      ...createModelsSlice(set, get, rt),
      ...createLibrarySlice(set, get, rt),
      ...createImagesSlice(set, get, rt),
      ...createViewerSlice(set, get, rt),
      ...createEngineSlice(set, get, rt),
      ...createErrorsSlice(set, get, rt),
      ...createTrainSetupSlice(set, get, rt),
      ...createTrainingSlice(set, get, rt),
      ...createCameraSlice(set, get, rt),
      ...createEvaluationSlice(set, get, rt),
      ...createTeachAdviceSlice(set, get, rt),
    };
  });
}
