/**
 * The fake camera's video: the frames are the gallery parts centred on grey, the good one first, so the
 * camera view's centre crop sees exactly the part; bad options are one clear line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rgbaToI420, y4mHeader } from '../src/data/y4m';
import { readImage } from './lib/image-io';
import { REPO_ROOT } from './lib/model-bundle';

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli/make-camera-video.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, RD_DEBUG: '' },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('make-camera-video', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rd-video-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes good then defective frames, each part centred so the centre crop is the part itself', async () => {
    const out = path.join(dir, 'v.y4m');
    const good = 'samples/wood/good_001.png';
    const defect = 'samples/wood/crack_000.png';
    const r = run(['--out', out, '--category', 'wood', '--good', good, '--defect', defect, '--segment-frames', '2', '--fps', '5', '--pad', '32']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/320×256, 5 fps, 4 frames/);
    const bytes = readFileSync(out);
    const header = y4mHeader(320, 256, 5);
    expect(bytes.subarray(0, header.length).toString()).toBe(header);
    const frameBytes = 6 + 320 * 256 * 1.5;
    expect(bytes.length).toBe(header.length + 4 * frameBytes);
    const planes = (k: number) => {
      const f = bytes.subarray(header.length + k * frameBytes, header.length + (k + 1) * frameBytes);
      expect(f.subarray(0, 6).toString()).toBe('FRAME\n');
      const y = f.subarray(6, 6 + 320 * 256);
      const u = f.subarray(6 + 320 * 256, 6 + 320 * 256 + 160 * 128);
      return { y, u };
    };
    for (const [k, file] of [[0, good], [1, good], [2, defect], [3, defect]] as const) {
      const img = await readImage(path.join(REPO_ROOT, 'public', file));
      const want = rgbaToI420(img.data, img.width, img.height, 3);
      const { y, u } = planes(k);
      for (const row of [0, 100, 255]) expect([...y.subarray(row * 320 + 32, row * 320 + 32 + 256)]).toEqual([...want.y.subarray(row * 256, row * 256 + 256)]);
      for (const row of [0, 127]) expect([...u.subarray(row * 160 + 16, row * 160 + 16 + 128)]).toEqual([...want.u.subarray(row * 128, row * 128 + 128)]);
      expect(y[0]).toBe(Math.round(16 + (0.25679 + 0.50413 + 0.09791) * 128)); // the grey border
    }
  });

  it('answers bad options with one line', () => {
    const cases: [string[], RegExp][] = [
      [[], /--out is required/],
      [['--out', path.join(dir, 'x.y4m'), '--pad', '3'], /--pad must be even/],
      [['--out', path.join(dir, 'x.y4m'), '--category', 'marble'], /no gallery category "marble" \(known: fabric, wood, flange\)/],
      [['--out', path.join(dir, 'x.y4m'), '--fps', '0'], /--fps must be an integer from 1 to 60/],
    ];
    for (const [args, text] of cases) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(text);
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });
});
