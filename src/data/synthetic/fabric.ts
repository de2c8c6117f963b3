/**
 * `fabric`: a washed denim-like 3/1 twill seen flat under a camera. Indigo warp threads run
 * vertically and float over three weft threads, the undyed weft shows once per repeat, which gives
 * the diagonal twill lines. Threads wander slightly, vary in brightness from thread to thread and
 * along their length (slubs), carry fibre streaks along their direction and an irregular dye mottle.
 *
 * Defects: `hole` (see-through opening onto a dark backing, with fibre ends sticking into it and a
 * shadowed rim), `stain` (oil, rust or bleach blob with a soft edge and a darker tide line), `cut`
 * (a severed line: dark gap with frayed white weft ends along both lips).
 */
import type { SeededRandom } from '../../engine/random.ts';
import { clamp01, fbm, gradientNoise, hash1, noise1, smoothstep, uniform } from './noise.ts';
import {
  Blob, blendPixel, boxAround, coverage, paintStain, randomCentre, randomWalk, raiseWeight, strokeBox,
  strokeSignedDistance, taperedHalfWidths, type Canvas, type Rgb, type Stroke,
} from './raster.ts';
import type { CategoryGenerator, DefectSize } from './types.ts';

export const FABRIC_DEFECTS = ['hole', 'stain', 'cut'] as const;
type FabricDefectKind = (typeof FABRIC_DEFECTS)[number];

/** Thread pitch in pixels at 256²: about 37 threads across the image. */
const PERIOD = 7;
const BACKING: Rgb = [16, 16, 19];

export interface FabricScene {
  width: number;
  height: number;
  /** Weave orientation jitter, radians (±3°). */
  angle: number;
  /** Texture phase: which part of the cloth is under the camera. */
  phaseU: number;
  phaseV: number;
  warp: Rgb;
  weft: Rgb;
  /** Seed of the thread-level irregularities of this piece of cloth. */
  seed: number;
}

type StainType = 'oil' | 'rust' | 'bleach';

export type FabricDefect =
  | { kind: 'hole'; blob: Blob; frayLength: number; fraySeed: number }
  | { kind: 'stain'; blob: Blob; type: StainType }
  | { kind: 'cut'; stroke: Stroke; fraySeed: number };

function jitterColor(rng: SeededRandom, base: Rgb, amount: number): Rgb {
  const k = 1 + uniform(rng, -amount, amount);
  return [base[0] * k, base[1] * k, base[2] * k];
}

function drawScene(rng: SeededRandom, width: number, height: number): FabricScene {
  return {
    width,
    height,
    angle: (uniform(rng, -3, 3) * Math.PI) / 180,
    phaseU: uniform(rng, 0, 400),
    phaseV: uniform(rng, 0, 400),
    warp: jitterColor(rng, [74, 100, 152], 0.03),
    weft: jitterColor(rng, [178, 175, 166], 0.02),
    seed: (rng.next() * 4294967296) >>> 0,
  };
}

const SIZE_SCALE: Record<DefectSize, number> = { large: 1, medium: 0.55, small: 0.27 };

function drawDefect(kind: string, size: DefectSize, rng: SeededRandom, scene: FabricScene): FabricDefect {
  const { width, height } = scene;
  const scale = SIZE_SCALE[size];
  switch (kind as FabricDefectKind) {
    case 'hole': {
      // small: 4.5–7 px radius (9–14 px across), large: up to ~50 px across.
      const radius = size === 'small' ? uniform(rng, 4.5, 7) : uniform(rng, 16, 26) * scale;
      const c = randomCentre(rng, radius * 1.5, width, height);
      return { kind: 'hole', blob: new Blob(c.x, c.y, radius, rng, 0.3, 0.08), frayLength: uniform(rng, 2.5, 4) + radius * 0.15, fraySeed: (rng.next() * 4294967296) >>> 0 };
    }
    case 'stain': {
      const radius = size === 'small' ? uniform(rng, 7, 10) : uniform(rng, 22, 34) * scale;
      const c = randomCentre(rng, radius * 1.5, width, height);
      const type: StainType = (['oil', 'rust', 'bleach'] as const)[Math.floor(rng.next() * 3)];
      return { kind: 'stain', blob: new Blob(c.x, c.y, radius, rng, 0.35, 0.15), type };
    }
    case 'cut': {
      const length = size === 'small' ? uniform(rng, 14, 20) : uniform(rng, 60, 95) * scale;
      const c = randomCentre(rng, length / 2 + 4, width, height);
      const heading = uniform(rng, 0, Math.PI);
      const start = { x: c.x - (Math.cos(heading) * length) / 2, y: c.y - (Math.sin(heading) * length) / 2 };
      const points = randomWalk(rng, { start, heading, length, step: 3, turn: 0.05, straighten: 0.15 });
      const middle = size === 'small' ? uniform(rng, 2, 2.6) : size === 'medium' ? uniform(rng, 2.5, 3.5) : uniform(rng, 3, 4.5);
      return { kind: 'cut', stroke: { points, halfWidths: taperedHalfWidths(points.length, middle, 0.5) }, fraySeed: (rng.next() * 4294967296) >>> 0 };
    }
    default:
      throw new RangeError(`fabric has no defect kind "${kind}"`);
  }
}

/** Cross-section brightness of a round thread (position 0..1 across it): dark gaps between threads. */
function threadProfile(t: number): number {
  return Math.sin(Math.PI * t) ** 0.6;
}

function renderCloth(scene: FabricScene, canvas: Canvas): void {
  const { width, height, warp, weft, seed } = scene;
  const cosA = Math.cos(scene.angle);
  const sinA = Math.sin(scene.angle);
  const cx = width / 2;
  const cy = height / 2;
  const rgb = canvas.rgb;
  // 2×2 supersampling of the weave geometry (the thread edges alias otherwise); the slowly varying
  // noise terms are evaluated once per pixel.
  const sub = [-0.25, 0.25];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const u0 = cosA * px - sinA * py + cx + scene.phaseU;
      const v0 = sinA * px + cosA * py + cy + scene.phaseV;
      // Threads are not perfectly straight: warp threads (vertical) wander in u, weft in v.
      const meanderU = 1.1 * fbm(u0 / 90, v0 / 45, 2, seed ^ 0x1111);
      const meanderV = 1.1 * fbm(u0 / 45, v0 / 90, 2, seed ^ 0x2222);
      const warpFibre = gradientNoise(u0 * 0.8, v0 * 0.13, seed ^ 0x3333);
      const weftFibre = gradientNoise(u0 * 0.13, v0 * 0.8, seed ^ 0x4444);
      const mottle = 1 + 0.07 * fbm(u0 / 38, v0 / 38, 3, seed ^ 0x5555);
      // Ring-dyed yarn: the undyed core shows through where fibres are worn (per pixel, not per subsample).
      const worn = 0.28 * smoothstep(0.25, 0.8, warpFibre);
      const wornWarp: Rgb = [warp[0] + (weft[0] - warp[0]) * worn, warp[1] + (weft[1] - warp[1]) * worn, warp[2] + (weft[2] - warp[2]) * worn];
      let r = 0;
      let g = 0;
      let b = 0;
      for (const oy of sub) {
        for (const ox of sub) {
          const u = (u0 + cosA * ox - sinA * oy + meanderU) / PERIOD;
          const v = (v0 + sinA * ox + cosA * oy + meanderV) / PERIOD;
          const i = Math.floor(u);
          const j = Math.floor(v);
          const fu = u - i;
          const fv = v - j;
          const k = (((j - i) % 4) + 4) % 4;
          let lum: number;
          let color: Rgb;
          let gain: number;
          if (k !== 3) {
            // Warp on top, floating over three weft threads: it dips at both ends of the float.
            const along = Math.sin((Math.PI * (k + fv)) / 3) ** 0.35;
            const slub = 0.07 * noise1(v / 2.7 + i * 13.1, seed ^ 0x6666);
            gain = 0.9 + 0.2 * hash1(i, seed) + slub + 0.16 * warpFibre;
            lum = 0.3 + 0.7 * threadProfile(fu) * along;
            color = wornWarp;
          } else {
            const along = Math.sin(Math.PI * fu) ** 0.35;
            gain = 0.88 + 0.16 * hash1(j, seed ^ 0x7777) + 0.12 * weftFibre;
            lum = 0.3 + 0.7 * threadProfile(fv) * along;
            color = weft;
          }
          const f = lum * gain * mottle;
          r += color[0] * f;
          g += color[1] * f;
          b += color[2] * f;
        }
      }
      const o = (y * width + x) * 3;
      rgb[o] = r / 4;
      rgb[o + 1] = g / 4;
      rgb[o + 2] = b / 4;
    }
  }
}

function renderHole(d: Extract<FabricDefect, { kind: 'hole' }>, scene: FabricScene, canvas: Canvas, weight: Float32Array): void {
  const { blob } = d;
  const box = boxAround(blob.cx, blob.cy, blob.extent + 4, canvas.width, canvas.height);
  const fibre: Rgb = [scene.weft[0] * 1.1, scene.weft[1] * 1.1, scene.weft[2] * 1.1];
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const i = y * canvas.width + x;
      const edge = (blob.normalizedDistance(x + 0.5, y + 0.5) - 1) * blob.radius; // px, < 0 inside
      if (edge < 3) {
        // Shadowed, loosened rim around the opening.
        const rim = clamp01(1 - edge / 3) * 0.4;
        const k = i * 3;
        blendPixel(canvas, i, [canvas.rgb[k] * 0.55, canvas.rgb[k + 1] * 0.55, canvas.rgb[k + 2] * 0.55], rim);
        raiseWeight(weight, i, rim / 0.4);
      }
      const inside = coverage(edge);
      if (inside > 0) {
        // Fibre ends reach into the opening by an amount that varies around the edge.
        const theta = Math.atan2(y + 0.5 - blob.cy, x + 0.5 - blob.cx);
        const strand = smoothstep(-0.1, 0.35, noise1((theta * blob.radius) / 1.6, d.fraySeed));
        const reach = d.frayLength * strand;
        const fibreWeight = reach > 0 ? Math.sqrt(clamp01(1 + edge / reach)) : 0;
        const color: Rgb = [
          BACKING[0] + (fibre[0] - BACKING[0]) * fibreWeight,
          BACKING[1] + (fibre[1] - BACKING[1]) * fibreWeight,
          BACKING[2] + (fibre[2] - BACKING[2]) * fibreWeight,
        ];
        blendPixel(canvas, i, color, inside);
        raiseWeight(weight, i, inside);
      }
    }
  }
}

/** Multiplicative stain colours on the cloth: oil darkens, rust browns, bleach strips the indigo. */
// Oil soaks the yarn almost black and rust stains deep orange: a stain on indigo must show the way a real
// one does to an inspector (the first, paler tints left small stains at the level of weave noise).
const STAIN_TINT: Record<StainType, Rgb> = { oil: [0.28, 0.28, 0.26], rust: [1.8, 0.9, 0.4], bleach: [2.2, 2.0, 1.55] };

function renderCut(d: Extract<FabricDefect, { kind: 'cut' }>, scene: FabricScene, canvas: Canvas, weight: Float32Array): void {
  const fray = 3;
  const box = strokeBox(d.stroke, fray + 1, canvas.width, canvas.height);
  const fibre: Rgb = [scene.weft[0] * 1.25, scene.weft[1] * 1.25, scene.weft[2] * 1.25];
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const sd = strokeSignedDistance(d.stroke, x + 0.5, y + 0.5);
      if (sd > fray) continue;
      const i = y * canvas.width + x;
      // Severed weft ends stand up along both lips of the cut.
      if (sd > -0.5) {
        const tuft = smoothstep(-0.15, 0.3, gradientNoise(x / 1.6, y / 1.6, d.fraySeed)) * clamp01(1 - sd / fray);
        blendPixel(canvas, i, fibre, tuft);
        raiseWeight(weight, i, tuft);
      }
      const gap = coverage(sd);
      if (gap > 0) {
        blendPixel(canvas, i, BACKING, gap);
        raiseWeight(weight, i, gap);
      }
    }
  }
}

function render(scene: FabricScene, defect: FabricDefect | null, canvas: Canvas, weight: Float32Array): void {
  renderCloth(scene, canvas);
  if (!defect) return;
  if (defect.kind === 'hole') renderHole(defect, scene, canvas, weight);
  else if (defect.kind === 'stain') paintStain(canvas, weight, defect.blob, STAIN_TINT[defect.type], defect.type === 'bleach' ? 0 : 0.3);
  else renderCut(defect, scene, canvas, weight);
}

export const fabric: CategoryGenerator<FabricScene, FabricDefect> = { drawScene, drawDefect, render };
