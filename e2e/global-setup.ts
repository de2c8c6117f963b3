/**
 * Builds the app once and serves dist/ with `vite preview` on a free localhost port for all e2e files;
 * the URL reaches the tests through vitest's provide/inject.
 */
import type { TestProject } from 'vitest/node';
import { buildApp, startPreview } from '../harness/browser';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.E2E_SKIP_BUILD) await buildApp();
  const server = await startPreview();
  project.provide('baseUrl', server.baseUrl);
  return server.close;
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
