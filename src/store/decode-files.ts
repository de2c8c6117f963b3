/**
 * The one decode loop of the store, for the images to inspect and the training photos alike: files
 * decoded one at a time (a batch of large photos decoded at once would hold all their pixels together),
 * into list entries that may be removed meanwhile (a decoded image whose entry is gone is released).
 */
import { describeFailure, withName } from './failures';
import type { Runtime } from './runtime';
import type { FileInput, InspectImage } from './types';

export interface DecodeTarget {
  /** The list entry the file goes to. */
  id: string;
  name: string;
}

export interface DecodeHandlers {
  /** Whether the entry is still listed. */
  exists(id: string): boolean;
  decoded(id: string, image: InspectImage): void;
  /** The message (file name first) is also pushed to the error log under `batch`. */
  failed(id: string, message: string): void;
}

/** Decodes files[i] into targets[i], in order; resolves when all are done (tracked by the runtime). */
export function decodeFiles(rt: Pick<Runtime, 'services' | 'errors' | 'track'>, files: readonly FileInput[], targets: readonly DecodeTarget[], batch: number, on: DecodeHandlers): Promise<void> {
  return rt.track(
    (async () => {
      for (let i = 0; i < files.length; i++) {
        const { id, name } = targets[i];
        try {
          const image = await rt.services.decode(files[i].blob, name);
          if (on.exists(id)) on.decoded(id, image);
          else rt.services.release?.(image);
        } catch (e) {
          const message = withName(name, describeFailure(e).message);
          if (on.exists(id)) on.failed(id, message);
          rt.errors.push(message, batch);
        }
      }
    })(),
  );
}
