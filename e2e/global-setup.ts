/**
 * Builds the app once and serves dist/ with `vite preview` on a free localhost port for all e2e files;
 * the URL reaches the tests through vitest's provide/inject.
 */
import type { TestProject } from 'vitest/node';
import { build } from 'vite';
import { REPO_ROOT, startPreview } from './browser';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.E2E_SKIP_BUILD) {
    // vitest runs with NODE_ENV=test, and Vite would then bundle React's development build: test what
    // users get instead.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: REPO_ROOT, logLevel: 'warn', mode: 'production' });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  }
  const server = await startPreview();
  project.provide('baseUrl', server.baseUrl);
  return server.close;
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
