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
 * --good / --defect: gallery files (as in public/samples/index.json, e.g. samples/fabric/hole_002.png);
 * default: the category's first good and first defective sample.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCameraVideo } from './lib/camera-video';
import { intOption, parseCliArgs, runCli, UserError } from './lib/cli-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npx tsx cli/make-camera-video.ts --out FILE.y4m [--category ID] [--good FILE] [--defect FILE] [--segment-frames N] [--cycles N] [--fps N] [--pad PX]';

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
  const segmentFrames = intOption(values['segment-frames'], 'segment-frames', 10, 1, 1000);
  const fps = intOption(values.fps, 'fps', 10, 1, 60);
  const v = await writeCameraVideo({
    out: values.out,
    publicDir: path.join(ROOT, 'public'),
    category: values.category,
    good: values.good,
    defect: values.defect,
    segmentFrames,
    cycles: intOption(values.cycles, 'cycles', 1, 1, 100),
    fps,
    pad: intOption(values.pad, 'pad', 64, 0, 2048),
  });
  console.log(`${values.out}: ${v.width}×${v.height}, ${fps} fps, ${v.frames} frames (${(v.frames / fps).toFixed(1)} s, looped by the fake camera): ${segmentFrames} × ${v.good}, then ${segmentFrames} × ${v.defect}`);
}

runCli(main);
