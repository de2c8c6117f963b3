/**
 * What the store needs from the outside world. The app passes the real worker client, image decoder and
 * fetch (src/ui/browser-services.ts); the unit tests pass fakes. None of it lives in the store's state.
 */
import type { BackendChoice } from '../worker/protocol';
import type { InferenceClient } from '../worker/inference-client';
import type { CameraService, SettingsStore } from './camera-types';
import type { InspectImage } from './types';

/**
 * The part of src/worker/inference-client's InferenceClient the store calls — picked from the client, so
 * its signatures (and their comments) are written once, there. Tests pass a fake of this shape.
 */
export type InferenceService = Pick<
  InferenceClient,
  | 'init' | 'loadModel' | 'infer' | 'onEvent' | 'train' | 'measureTrainStep' | 'cancelTraining' | 'listModels'
  | 'renameModel' | 'deleteModel' | 'setModelCalibration' | 'saveTrained' | 'exportModel' | 'importBundle'
>;

/** Thrown by StoreServices.fetchJson / fetchBlob when the resource does not exist. */
export class NotFoundError extends Error {
  constructor(readonly url: string) {
    super(`${url} not found`);
    this.name = 'NotFoundError';
  }
}

export interface StoreServices {
  client: InferenceService;
  /** Decodes an image file; rejects with a user-facing message (ImageFileError) for anything unusable. */
  decode(file: Blob, name: string): Promise<InspectImage>;
  /** Parsed JSON; rejects with NotFoundError when the file is missing. */
  fetchJson(url: string): Promise<unknown>;
  fetchBlob(url: string): Promise<Blob>;
  /** The app's base URL (import.meta.env.BASE_URL), ending with '/'. */
  baseUrl: string;
  /** Frees what an image holds outside the JS heap (bitmap, thumbnail object URL). */
  release?(image: InspectImage): void;
  /** Lets the UI paint between chunks of background work (default: a macrotask). */
  yieldToUi?(): Promise<void>;
  /** Clock for timings, ms (default performance.now / Date.now). */
  now?(): number;
  /** Hands a file to the user (a download in the browser). */
  saveFile?(fileName: string, bytes: Uint8Array<ArrayBuffer>, type: string): void;
  /**
   * Asks the browser not to evict this site's storage (navigator.storage.persist()); called once before
   * the first save to the model library. Failures are ignored.
   */
  requestPersistence?(): Promise<boolean>;
  /** The camera for live inspection (absent: the camera view says there is no camera access). */
  camera?: CameraService;
  /** Small settings kept across reloads (the camera ROI per model); absent: nothing is kept. */
  settings?: SettingsStore;
  /** Where the worker's measured backend choice is kept between visits (localStorage in the browser). */
  backendChoiceCache?: {
    load(): BackendChoice | null;
    save(choice: BackendChoice): void;
  };
}
