/**
 * A test video for the live camera view from the committed gallery: good and defective parts of one
 * category alternating, as a .y4m file Chromium's fake camera plays in a loop:
 *
 *   chromium --use-fake-ui-for-media-stream --use-fake-device-for-media-stream \
 *            --use-file-for-fake-video-capture=camera.y4m
 *
 * Each frame is the part centred on a grey background (--pad px left and right), so the camera view's
 * default centre crop shows exactly the part at the model's input size.
 *
 *   npx tsx cli/make-camera-video.ts --out camera.y4m [--category fabric] [--good file] [--defect file]
 *       [--segment-frames 10] [--cycles 1] [--fps 10] [--pad 64]
 *
 * --good / --defect: gallery files (as in public/samples/index.json, e.g. samples/fabric/hole_003.png);
 * default: the category's first good and first defective sample.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GalleryIndex } from '../src/data/synthetic/plan';
import { rgbaToI420, y4mFrame, y4mHeader } from '../src/data/y4m';
import { intOption, parseCliArgs, runCli, UserError } from './lib/cli-support';
import { readImage, type RgbImage } from './lib/image-io';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC = path.join(ROOT, 'public');
const USAGE = 'usage: npx tsx cli/make-camera-video.ts --out FILE.y4m [--category ID] [--good FILE] [--defect FILE] [--segment-frames N] [--cycles N] [--fps N] [--pad PX]';
const BACKGROUND = 128;

/** The part centred on a grey canvas `pad` px wider on each side, as RGB. */
function padded(img: RgbImage, pad: number): { width: number; height: number; data: Uint8Array } {
  const width = img.width + 2 * pad;
  const out = new Uint8Array(width * img.height * 3).fill(BACKGROUND);
  for (let y = 0; y < img.height; y++) out.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * width + pad) * 3);
  return { width, height: img.height, data: out };
}

async function main(): Promise<void> {
  const { values } = parseCliArgs(
    process.argv.slice(2),
    {
      out: { type: 'string' },
      category: { type: 'string' },
      good: { type: 'string' },
      defect: { type: 'string' },
      'segment-frames': { type: 'string' },
      cycles: { type: 'string' },
      fps: { type: 'string' },
      pad: { type: 'string' },
    },
    USAGE,
  );
  if (!values.out) throw new UserError(`--out is required\n\n${USAGE}`);
  const segment = intOption(values['segment-frames'], 'segment-frames', 10, 1, 1000);
  const cycles = intOption(values.cycles, 'cycles', 1, 1, 100);
  const fps = intOption(values.fps, 'fps', 10, 1, 60);
  const pad = intOption(values.pad, 'pad', 64, 0, 2048);
  if (pad % 2 !== 0) throw new UserError('--pad must be even (4:2:0 chroma covers 2×2 pixels)');

  const index = JSON.parse(await readFile(path.join(PUBLIC, 'samples/index.json'), 'utf8')) as GalleryIndex;
  const category = values.category ? index.categories.find((c) => c.id === values.category) : index.categories[0];
  if (!category) throw new UserError(`no gallery category "${values.category}" (known: ${index.categories.map((c) => c.id).join(', ')})`);
  const good = values.good ?? category.samples.find((s) => s.label === 'good')?.file;
  const defect = values.defect ?? category.samples.find((s) => s.label === 'defect')?.file;
  if (!good || !defect) throw new UserError(`category ${category.id} needs a good and a defective sample`);

  const parts = await Promise.all([good, defect].map((f) => readImage(path.join(PUBLIC, f))));
  if (parts[0].width !== parts[1].width || parts[0].height !== parts[1].height) throw new UserError('the good and the defective sample differ in size');
  const frames = parts.map((p) => {
    const f = padded(p, pad);
    return { width: f.width, height: f.height, bytes: y4mFrame(rgbaToI420(f.data, f.width, f.height, 3)) };
  });

  await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
  const fh = await open(values.out, 'w');
  try {
    await fh.write(y4mHeader(frames[0].width, frames[0].height, fps));
    for (let c = 0; c < cycles; c++) for (const f of frames) for (let i = 0; i < segment; i++) await fh.write(f.bytes);
  } finally {
    await fh.close();
  }
  const seconds = (2 * segment * cycles) / fps;
  console.log(`${values.out}: ${frames[0].width}×${frames[0].height}, ${fps} fps, ${2 * segment * cycles} frames (${seconds.toFixed(1)} s, looped by the fake camera): ${segment} × ${good}, then ${segment} × ${defect}`);
}

runCli(main);
