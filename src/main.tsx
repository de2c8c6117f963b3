import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createInspectorStore, type BackendName } from './store';
import { App } from './ui/App';
import './ui/app.css';
import { createBrowserServices } from './ui/browser-services';
import { InferenceClient } from './worker/inference-client';

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

const params = new URLSearchParams(window.location.search);
const wanted = params.get('backend');
const preferredBackend = BACKENDS.find((b) => b === wanted);
const preferredModelId = params.get('model') ?? undefined;

// One worker and one store per page, outside React (StrictMode's double effects must not start twice).
const client = InferenceClient.create();
const store = createInspectorStore(createBrowserServices(client));
void store.getState().start({ preferredBackend, preferredModelId });

// Keep ?model= in step with the picker, so a reload or a shared link opens the same model.
store.subscribe((s, prev) => {
  if (s.activeModelId === prev.activeModelId || s.activeModelId === null) return;
  const url = new URL(window.location.href);
  url.searchParams.set('model', s.activeModelId);
  window.history.replaceState(null, '', url);
});

// For the end-to-end tests and for debugging from the console.
(window as unknown as { __rdInspector: unknown }).__rdInspector = { store, client };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
