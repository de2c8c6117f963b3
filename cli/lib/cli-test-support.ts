/**
 * Shared fixtures of the CLI tests (imported by cli/*.test.ts only, never by a tool): running one of
 * the CLIs as a child process, and tiny PNG files.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PNG } from 'pngjs';
import { REPO_ROOT } from './model-bundle';

export interface CliRun {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Runs cli/<script> with tsx, as `npm run …` does (no debug output). */
export function runCli(script: string, args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli', script), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, RD_DEBUG: '' },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A w×h RGBA PNG: every byte `value`, or per pixel `fill(x, y)` (gray, opaque). */
export function png(w: number, h: number, value: number, fill?: (x: number, y: number) => number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(value);
  if (fill) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const v = fill(x, y);
      p.data.set([v, v, v, 255], 4 * (y * w + x));
    }
  }
  return PNG.sync.write(p);
}
