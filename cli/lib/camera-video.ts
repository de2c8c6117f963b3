/**
 * The fake camera's video (see cli/make-camera-video.ts): a good and a defective gallery part of one
 * category alternating, each centred on a grey background, written as .y4m.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GalleryIndex } from '../../src/data/synthetic/plan';
import { rgbaToI420, y4mFrame, y4mHeader } from '../../src/data/y4m';
import { UserError } from './cli-support';
import { readImage, type RgbImage } from './image-io';

export interface CameraVideoOptions {
  out: string;
  /** The app's public folder (gallery and samples/index.json). */
  publicDir: string;
  /** Gallery category (default: the first). */
  category?: string;
  /** Gallery files as in samples/index.json (default: the category's first good / defective sample). */
  good?: string;
  defect?: string;
  /** Frames of each part before the other follows. */
  segmentFrames: number;
  cycles: number;
  fps: number;
  /** Grey px left and right of the part (even). */
  pad: number;
}

export interface CameraVideo {
  width: number;
  height: number;
  frames: number;
  good: string;
  defect: string;
}

const BACKGROUND = 128;

/** The part centred on a grey canvas `pad` px wider on each side, as RGB. */
function padded(img: RgbImage, pad: number): { width: number; height: number; data: Uint8Array } {
  const width = img.width + 2 * pad;
  const out = new Uint8Array(width * img.height * 3).fill(BACKGROUND);
  for (let y = 0; y < img.height; y++) out.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * width + pad) * 3);
  return { width, height: img.height, data: out };
}

export async function writeCameraVideo(o: CameraVideoOptions): Promise<CameraVideo> {
  if (o.pad % 2 !== 0) throw new UserError('--pad must be even (4:2:0 chroma covers 2×2 pixels)');
  const index = JSON.parse(await readFile(path.join(o.publicDir, 'samples/index.json'), 'utf8')) as GalleryIndex;
  const category = o.category ? index.categories.find((c) => c.id === o.category) : index.categories[0];
  if (!category) throw new UserError(`no gallery category "${o.category}" (known: ${index.categories.map((c) => c.id).join(', ')})`);
  const good = o.good ?? category.samples.find((s) => s.label === 'good')?.file;
  const defect = o.defect ?? category.samples.find((s) => s.label === 'defect')?.file;
  if (!good || !defect) throw new UserError(`category ${category.id} needs a good and a defective sample`);

  const parts = await Promise.all([good, defect].map((f) => readImage(path.join(o.publicDir, f))));
  if (parts[0].width !== parts[1].width || parts[0].height !== parts[1].height) throw new UserError('the good and the defective sample differ in size');
  if (parts[0].width % 2 !== 0 || parts[0].height % 2 !== 0) throw new UserError('the samples need an even width and height');
  const frames = parts.map((p) => {
    const f = padded(p, o.pad);
    return { width: f.width, height: f.height, bytes: y4mFrame(rgbaToI420(f.data, f.width, f.height, 3)) };
  });

  await mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
  const fh = await open(o.out, 'w');
  try {
    await fh.write(y4mHeader(frames[0].width, frames[0].height, o.fps));
    for (let c = 0; c < o.cycles; c++) for (const f of frames) for (let i = 0; i < o.segmentFrames; i++) await fh.write(f.bytes);
  } finally {
    await fh.close();
  }
  return { width: frames[0].width, height: frames[0].height, frames: 2 * o.segmentFrames * o.cycles, good, defect };
}
