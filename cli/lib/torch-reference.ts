/**
 * The PyTorch yardstick of `npm run bench`: runs cli/torch-reference.py with Debian's /usr/bin/python3 when
 * it has torch and torchvision (never a dependency of the project: skipped with one line otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'torch-reference.py');

export interface TorchReference {
  torch: string;
  threads: number;
  /** RD with a ResNet18 teacher (layer1–3, OCBE, mirrored decoder, maps of 3 scales), ms per image. */
  rd_r18_ms: number;
  /** This project's architecture (MobileNetV2 to block_13_expand, student 48/96/192 e256, maps 2+3), ms. */
  same_arch_ms: number;
  /** Fastest run of each (least disturbed by other processes on the cores). */
  rd_r18_min_ms: number;
  same_arch_min_ms: number;
}

/** Median timings, or a one-line reason why there are none. */
export function runTorchReference(size: number, threads: number, reps: number): TorchReference | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} has no torch/torchvision (apt-get install python3-torch python3-torchvision)`;
  const run = spawnSync(PYTHON, [SCRIPT, '--size', String(size), '--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) return `cli/torch-reference.py failed: ${(run.stderr || run.error?.message || '').trim().split('\n').pop() ?? ''}`;
  return JSON.parse(run.stdout) as TorchReference;
}
