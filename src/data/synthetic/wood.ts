/**
 * `wood`: a planed, clear (knot-free) board with the grain running horizontally. Growth rings are
 * stripes displaced by smooth noise that is stretched along the grain, with irregular ring widths:
 * each ring fades from light earlywood into darker latewood and ends sharply. Fine pores are short
 * dark dashes along the grain; a broad colour variation runs over the board.
 *
 * Defects: `scratch` (a thin bright or dark line, mostly across the grain), `crack` (a dark jagged
 * split that follows the grain, with side branches when long), `stain` (water, oil or ink).
 */
import type { SeededRandom } from '../../engine/random.ts';
import { fbm, gradientNoise, hash1, randomInt, smoothstep, uniform } from './noise.ts';
import {
  Blob, blendPixel, paintStain, paintStroke, randomCentre, randomWalk, raiseWeight, taperedHalfWidths,
  type Canvas, type Rgb, type Stroke,
} from './raster.ts';
import type { CategoryGenerator, DefectSize } from './types.ts';

export const WOOD_DEFECTS = ['scratch', 'crack', 'stain'] as const;
type WoodDefectKind = (typeof WOOD_DEFECTS)[number];

export interface WoodScene {
  width: number;
  height: number;
  /** Grain direction jitter around horizontal, radians (±3°). */
  angle: number;
  phaseU: number;
  phaseV: number;
  /** Mean growth-ring width in pixels. */
  ringSpacing: number;
  earlywood: Rgb;
  latewood: Rgb;
  seed: number;
}

type StainType = 'water' | 'oil' | 'ink';

export type WoodDefect =
  | { kind: 'scratch'; stroke: Stroke; bright: boolean }
  | { kind: 'crack'; strokes: Stroke[] }
  | { kind: 'stain'; blob: Blob; type: StainType };

function drawScene(rng: SeededRandom, width: number, height: number): WoodScene {
  const tone = 1 + uniform(rng, -0.03, 0.03);
  return {
    width,
    height,
    angle: (uniform(rng, -3, 3) * Math.PI) / 180,
    phaseU: uniform(rng, 0, 2000),
    phaseV: uniform(rng, 0, 2000),
    ringSpacing: uniform(rng, 11, 13),
    earlywood: [216 * tone, 176 * tone, 128 * tone],
    latewood: [166 * tone, 110 * tone, 64 * tone],
    seed: (rng.next() * 4294967296) >>> 0,
  };
}

const SIZE_SCALE: Record<DefectSize, number> = { large: 1, medium: 0.55, small: 0.2 };

function drawDefect(kind: string, size: DefectSize, rng: SeededRandom, scene: WoodScene): WoodDefect {
  const { width, height } = scene;
  switch (kind as WoodDefectKind) {
    case 'scratch': {
      const length = size === 'small' ? uniform(rng, 12, 20) : uniform(rng, 90, 150) * SIZE_SCALE[size];
      const heading = scene.angle + (uniform(rng, 25, 155) * Math.PI) / 180;
      const c = randomCentre(rng, length / 2 + 3, width, height);
      const start = { x: c.x - (Math.cos(heading) * length) / 2, y: c.y - (Math.sin(heading) * length) / 2 };
      const points = randomWalk(rng, { start, heading, length, step: 4, turn: 0.025, straighten: 0.05 });
      const middle = size === 'small' ? uniform(rng, 1.3, 1.7) : uniform(rng, 1.0, 1.6);
      return { kind: 'scratch', stroke: { points, halfWidths: taperedHalfWidths(points.length, middle, 0.45) }, bright: rng.next() < 0.5 };
    }
    case 'crack': {
      const length = size === 'small' ? uniform(rng, 13, 20) : uniform(rng, 80, 130) * SIZE_SCALE[size];
      const heading = scene.angle + (uniform(rng, -12, 12) * Math.PI) / 180 + (rng.next() < 0.5 ? Math.PI : 0);
      const c = randomCentre(rng, length / 2 + 3, width, height);
      const start = { x: c.x - (Math.cos(heading) * length) / 2, y: c.y - (Math.sin(heading) * length) / 2 };
      const points = randomWalk(rng, { start, heading, length, step: 2.5, turn: 0.4, straighten: 0.4 });
      const middle = size === 'small' ? uniform(rng, 1.3, 1.8) : uniform(rng, 1.8, 2.8);
      const strokes: Stroke[] = [{ points, halfWidths: taperedHalfWidths(points.length, middle, 0.35) }];
      const branches = size === 'small' ? 0 : randomInt(rng, 1, 2);
      for (let b = 0; b < branches; b++) {
        const from = points[randomInt(rng, Math.floor(points.length * 0.2), Math.floor(points.length * 0.7))];
        const branchHeading = heading + (rng.next() < 0.5 ? -1 : 1) * (uniform(rng, 20, 45) * Math.PI) / 180;
        const branch = randomWalk(rng, { start: from, heading: branchHeading, length: length * uniform(rng, 0.2, 0.35), step: 2.5, turn: 0.4, straighten: 0.4 });
        // A branch starts at the main crack's width and thins out.
        strokes.push({ points: branch, halfWidths: branch.map((_, i) => middle * 0.7 * (1 - i / branch.length) + 0.3) });
      }
      return { kind: 'crack', strokes };
    }
    case 'stain': {
      const radius = size === 'small' ? uniform(rng, 5, 8) : uniform(rng, 22, 34) * SIZE_SCALE[size];
      const c = randomCentre(rng, radius * 1.5, width, height);
      const type: StainType = (['water', 'oil', 'ink'] as const)[Math.floor(rng.next() * 3)];
      return { kind: 'stain', blob: new Blob(c.x, c.y, radius, rng, 0.35, 0.15), type };
    }
    default:
      throw new RangeError(`wood has no defect kind "${kind}"`);
  }
}

function renderBoard(scene: WoodScene, canvas: Canvas): void {
  const { width, height, earlywood, latewood, seed } = scene;
  const cosA = Math.cos(scene.angle);
  const sinA = Math.sin(scene.angle);
  const cx = width / 2;
  const cy = height / 2;
  const rgb = canvas.rgb;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const u = cosA * px - sinA * py + cx + scene.phaseU;
      const v = sinA * px + cosA * py + cy + scene.phaseV;
      // Ring surfaces undulate slowly along the grain and a little faster across it.
      const w = v + 12 * fbm(u / 170, v / 70, 3, seed ^ 0x1111);
      const phase = w / scene.ringSpacing + 1.1 * fbm(w / 55, 0.37, 2, seed ^ 0x2222);
      const ring = Math.floor(phase);
      const f = phase - ring;
      const late = smoothstep(0.4, 0.84, f) * (1 - smoothstep(0.93, 1, f)) * (0.55 + 0.45 * hash1(ring, seed));
      // Fine fibre lines along the grain and pores (short dark dashes), fewer in the dense latewood.
      const streak = 0.045 * gradientNoise(u / 30, w / 1.7, seed ^ 0x3333);
      const pore = smoothstep(0.38, 0.7, gradientNoise(u / 9, w / 1.4, seed ^ 0x4444)) * (1 - 0.6 * late);
      const tone = (1 + 0.06 * fbm(u / 130, v / 90, 2, seed ^ 0x5555) + streak) * (1 - 0.22 * pore);
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = (earlywood[c] + (latewood[c] - earlywood[c]) * late) * tone;
    }
  }
}

const SCRATCH_BRIGHT: Rgb = [242, 226, 196];
const CRACK_CORE: Rgb = [40, 26, 16];
/** Water greys the wood, oil darkens and saturates it, ink leaves a blue-black mark. */
const STAIN_TINT: Record<StainType, Rgb> = { water: [0.55, 0.52, 0.52], oil: [0.62, 0.48, 0.3], ink: [0.4, 0.42, 0.6] };

function render(scene: WoodScene, defect: WoodDefect | null, canvas: Canvas, weight: Float32Array): void {
  renderBoard(scene, canvas);
  if (!defect) return;
  const rgb = canvas.rgb;
  switch (defect.kind) {
    case 'scratch':
      paintStroke(canvas, weight, defect.stroke, (i, cov) => {
        if (defect.bright) {
          blendPixel(canvas, i, SCRATCH_BRIGHT, cov * 0.85);
        } else {
          const k = i * 3;
          blendPixel(canvas, i, [rgb[k] * 0.42, rgb[k + 1] * 0.38, rgb[k + 2] * 0.36], cov);
        }
      });
      break;
    case 'crack': {
      // Shadowed lips first (a one-pixel darker band), then the open core on top.
      const lip = new Float32Array(weight.length);
      for (const stroke of defect.strokes) {
        paintStroke(canvas, lip, stroke, () => {}, 1);
      }
      for (let i = 0; i < lip.length; i++) {
        if (lip[i] > 0) {
          const k = i * 3;
          blendPixel(canvas, i, [rgb[k] * 0.62, rgb[k + 1] * 0.58, rgb[k + 2] * 0.55], lip[i] * 0.7);
          raiseWeight(weight, i, lip[i] * 0.7);
        }
      }
      for (const stroke of defect.strokes) {
        paintStroke(canvas, weight, stroke, (i, cov) => blendPixel(canvas, i, CRACK_CORE, cov * 0.95));
      }
      break;
    }
    case 'stain':
      paintStain(canvas, weight, defect.blob, STAIN_TINT[defect.type], 0.25);
      break;
  }
}

export const wood: CategoryGenerator<WoodScene, WoodDefect> = { drawScene, drawDefect, render };
