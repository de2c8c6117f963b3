/**
 * The store's state: the slices side by side (each file holds its slice's state, actions and helpers).
 * Derived values (sorted list, verdicts, gallery) are selectors in selectors.ts.
 */
import type { CameraSlice } from './camera-slice';
import type { EngineSlice } from './engine-slice';
import type { ErrorsSlice } from './errors-slice';
import type { EvaluationSlice } from './evaluation-slice';
import type { ImagesSlice } from './images-slice';
import type { LibrarySlice } from './library-slice';
import type { ModelsSlice } from './models-slice';
import type { TeachAdviceSlice } from './teach-advice-slice';
import type { TrainSetupSlice } from './train-setup-slice';
import type { TrainingSlice } from './training-slice';
import type { ViewerSlice } from './viewer-slice';

export type InspectorState = ModelsSlice & LibrarySlice & ImagesSlice & ViewerSlice & EngineSlice & ErrorsSlice & TrainSetupSlice & TrainingSlice & CameraSlice & EvaluationSlice & TeachAdviceSlice;
