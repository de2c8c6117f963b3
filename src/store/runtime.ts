/**
 * Per-store machinery that is not state, handed to every slice next to zustand's set/get. Each part is
 * an object with a small API whose counters are private to the module that defines it: the error log
 * (errors-slice.ts), the inference queue and its model generation (inference-queue.ts), the background
 * re-scoring (scoring.ts) and the engine's readiness (engine-slice.ts). Slice-only counters (image ids,
 * training runs, library listings) live inside their slice.
 */
import type { StoreApi } from 'zustand/vanilla';
import { createEngineGate, type EngineGate } from './engine-slice';
import { createErrorLog, type ErrorLog } from './errors-slice';
import { createInferenceQueue, type InferenceQueue } from './inference-queue';
import { resolveUrl, TEACHER_ROOT_PATH } from './indices';
import { createScoring, type Scoring } from './scoring';
import type { StoreServices } from './services';
import type { InspectorState } from './state';

export type SetState = StoreApi<InspectorState>['setState'];
export type GetState = StoreApi<InspectorState>['getState'];

/** Background work whenIdle() waits for. */
export interface TaskTracker {
  /** Registers a promise until it settles; returns it. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Resolves when nothing tracked is left (also work that tracked work started). */
  whenIdle(): Promise<void>;
}

export interface Clock {
  now(): number;
  yieldToUi(): Promise<void>;
}

export interface Runtime extends TaskTracker, Clock {
  services: StoreServices;
  teacherRoot: string;
  errors: ErrorLog;
  queue: InferenceQueue;
  scoring: Scoring;
  engine: EngineGate;
  /** Asks for persistent storage once per store (before the first save); never fails. */
  requestPersistenceOnce(): Promise<void>;
}

export type SliceCreator<T> = (set: SetState, get: GetState, rt: Runtime) => T;

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function defaultYield(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

function createTaskTracker(): TaskTracker {
  const pending = new Set<Promise<unknown>>();
  return {
    track(p) {
      pending.add(p);
      const done = () => pending.delete(p);
      p.then(done, done);
      return p;
    },
    async whenIdle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

export function createRuntime(services: StoreServices, set: SetState, get: GetState): Runtime {
  const tasks = createTaskTracker();
  const clock: Clock = { now: services.now ?? defaultNow, yieldToUi: services.yieldToUi ?? defaultYield };
  const errors = createErrorLog(set, get);
  const scoring = createScoring(set, get, { ...clock, track: tasks.track });
  let persistence: Promise<void> | null = null;
  return {
    ...tasks,
    ...clock,
    services,
    teacherRoot: resolveUrl(services.baseUrl, TEACHER_ROOT_PATH),
    errors,
    scoring,
    queue: createInferenceQueue(set, get, { client: services.client, errors, scoring, track: tasks.track }),
    engine: createEngineGate(),
    requestPersistenceOnce() {
      persistence ??= (async () => {
        try {
          await services.requestPersistence?.();
        } catch {
          // Only a request: the browser may refuse it; saving works without it.
        }
      })();
      return persistence;
    },
  };
}
