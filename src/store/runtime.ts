/**
 * Per-store machinery that is not state: the injected services, counters, the inference queue pump and
 * the background re-scoring job. Slices receive it next to zustand's set/get.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { StoreServices } from './services';
import type { InspectorState } from './state';
import type { ImageItem, LoadedModelInfo } from './types';

export type SetState = StoreApi<InspectorState>['setState'];
export type GetState = StoreApi<InspectorState>['getState'];

export interface Runtime {
  services: StoreServices;
  teacherRoot: string;
  /** Ids for images, add-batches and error messages. */
  seq: number;
  batch: number;
  errorSeq: number;
  /** Bumped on every model selection: an inference started under an older generation is discarded. */
  modelGeneration: number;
  /** Bumped on every σ / scale change: an older background re-scoring job stops. */
  rescoreJob: number;
  pumping: boolean;
  startPromise: Promise<void> | null;
  /** Resolves when client.init has settled (ok or not); model loads wait for it. */
  engineReady: Promise<void>;
  unsubscribe: (() => void) | null;
  pending: Set<Promise<unknown>>;
  now(): number;
  yieldToUi(): Promise<void>;
  /** Registers background work, so that whenIdle() can wait for it. */
  track<T>(p: Promise<T>): Promise<T>;
  nextBatch(): number;
  patchItem(id: string, patch: Partial<ImageItem>): void;
  pushError(message: string, batch?: number): void;
  /** "Stays until dismissed or the next success": a success of batch b clears errors of batches < b. */
  clearErrorsBefore(batch: number): void;
  /** Runs queued inferences one at a time while a model is ready. Safe to call any time. */
  pump(): void;
  /** Brings the scores of all finished images to the current σ / scales (selected one synchronously). */
  rescore(): void;
  /** Scores one item for the current settings now (MapSmoother caches make a repeat cheap). */
  scoreItemNow(id: string): void;
  /**
   * Makes a model the worker already holds the active one (a training run's result): like a finished
   * selectModel — map defaults and threshold from its meta, every listed image re-run — without a load.
   */
  adoptModel(info: LoadedModelInfo): void;
  /** Bumped per training run: progress events of an older run are ignored. */
  trainRun: number;
  /** Asks for persistent storage once per store (before the first save); never fails. */
  requestPersistenceOnce(): Promise<void>;
}

export type SliceCreator<T> = (set: SetState, get: GetState, rt: Runtime) => T;
