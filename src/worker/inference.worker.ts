/**
 * The inference worker: a thin message loop around InferenceService. Requests (protocol WorkerRequest)
 * are answered with WorkerReply, in order; result maps are transferred, not copied. Unsolicited
 * WorkerEvents (backend-changed) are posted as they happen.
 */
import { InferenceService } from './inference-service';
import { prepareBrowserBackends, probeBrowserBackend, wasmThreads } from './browser-backends';
import { describeBrowserAdapter } from './adapter-info';
import { PROBE_WORKLOAD, timeWarmUpInference } from './backend-probe';
import type { WorkerEvent, WorkerRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const service = new InferenceService({
  prepareBackends: prepareBrowserBackends,
  probeBackend: probeBrowserBackend,
  measureBackends: { describe: describeBrowserAdapter, time: timeWarmUpInference, workload: PROBE_WORKLOAD },
  backendThreads: (name) => (name === 'wasm' ? wasmThreads() : null),
  onEvent: (event: WorkerEvent) => scope.postMessage(event),
});

scope.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const id = e.data?.id;
  void service.handle(e.data).then(({ reply, transfer }) => {
    try {
      scope.postMessage(reply, transfer);
    } catch (err) {
      scope.postMessage({ id, ok: false, error: { kind: 'internal', message: `reply could not be sent: ${(err as Error).message}` } });
    }
  });
};
