/**
 * `flange`: a turned steel flange seen from above on a dark mat. The top face carries concentric
 * turning marks and the radial "bow-tie" highlight that circular grooves throw towards a side light;
 * a raised hub around the central bore, six through bolt holes on a pitch circle, chamfered edges
 * shaded by the light direction, and a faint cast shadow on the mat.
 *
 * Pose varies like parts on a fixture: centre ±4 px, scale ±3 %, bolt pattern rotated ±2° (a locating
 * pin fixes the orientation; with ±10° the default model scored 11 of 12 missing holes below the
 * worst normal part), light
 * azimuth ±10°.
 *
 * Defects: `scratch` (thin bright or dark line on the metal), `missing_hole` (one bolt hole not
 * drilled: the face continues), `misplaced_hole` (one hole drilled 17–22° away from its place on the
 * pitch circle),
 * `contamination` (oil or rust spot on the metal).
 */
import type { SeededRandom } from '../../engine/random.ts';
import { clamp01, fbm, hash1, noise1, randomInt, uniform } from './noise.ts';
import {
  Blob, blendPixel, coverage, paintStain, paintStroke, randomWalk, raiseWeight, taperedHalfWidths,
  type Canvas, type Point, type Rgb, type Stroke,
} from './raster.ts';
import type { CategoryGenerator, DefectSize } from './types.ts';

export const FLANGE_DEFECTS = ['scratch', 'missing_hole', 'misplaced_hole', 'contamination'] as const;
type FlangeDefectKind = (typeof FLANGE_DEFECTS)[number];

// Geometry in pixels at scale 1 (256² image).
const R_OUTER = 110;
const OUTER_CHAMFER = 3.5;
const R_HUB = 47;
const R_BORE = 26;
const BORE_CHAMFER = 3;
const PITCH_RADIUS = 77;
const HOLE_RADIUS = 9;
const HOLE_CHAMFER = 2.2;
const BOLT_HOLES = 6;

const METAL: Rgb = [192, 196, 202];
const THROUGH: Rgb = [13, 13, 15];

export interface FlangeScene {
  width: number;
  height: number;
  cx: number;
  cy: number;
  scale: number;
  /** Rotation of the bolt-hole pattern, radians. */
  patternAngle: number;
  /** Azimuth the light comes from (image coordinates, y down), radians. */
  lightAngle: number;
  tone: number;
  seed: number;
}

export type FlangeDefect =
  | { kind: 'scratch'; stroke: Stroke; bright: boolean }
  | { kind: 'contamination'; blob: Blob; rust: boolean }
  | { kind: 'missing_hole'; hole: number }
  | { kind: 'misplaced_hole'; hole: number; to: Point };

function drawScene(rng: SeededRandom, width: number, height: number): FlangeScene {
  return {
    width,
    height,
    cx: width / 2 + uniform(rng, -4, 4),
    cy: height / 2 + uniform(rng, -4, 4),
    scale: uniform(rng, 0.97, 1.03),
    patternAngle: (uniform(rng, -2, 2) * Math.PI) / 180,
    lightAngle: ((-135 + uniform(rng, -10, 10)) * Math.PI) / 180,
    tone: uniform(rng, 0.97, 1.03),
    seed: (rng.next() * 4294967296) >>> 0,
  };
}

/** Centre of bolt hole k in image pixels. */
function holeCentre(scene: FlangeScene, k: number): Point {
  const a = scene.patternAngle + (k * 2 * Math.PI) / BOLT_HOLES;
  return { x: scene.cx + PITCH_RADIUS * scene.scale * Math.cos(a), y: scene.cy + PITCH_RADIUS * scene.scale * Math.sin(a) };
}

/** A random point on the flat metal between the hub edge and the outer chamfer. */
function pointOnFace(rng: SeededRandom, scene: FlangeScene, margin: number): Point {
  const r = uniform(rng, R_HUB + 4 + margin, R_OUTER - OUTER_CHAMFER - margin) * scene.scale;
  const a = uniform(rng, 0, 2 * Math.PI);
  return { x: scene.cx + r * Math.cos(a), y: scene.cy + r * Math.sin(a) };
}

function drawDefect(kind: string, size: DefectSize, rng: SeededRandom, scene: FlangeScene): FlangeDefect {
  switch (kind as FlangeDefectKind) {
    case 'scratch': {
      const length = size === 'small' ? uniform(rng, 12, 20) : size === 'medium' ? uniform(rng, 35, 55) : uniform(rng, 70, 110);
      const c = pointOnFace(rng, scene, size === 'small' ? 8 : 2);
      const heading = uniform(rng, 0, 2 * Math.PI);
      const start = { x: c.x - (Math.cos(heading) * length) / 2, y: c.y - (Math.sin(heading) * length) / 2 };
      const points = randomWalk(rng, { start, heading, length, step: 4, turn: 0.02, straighten: 0.05 });
      const middle = size === 'small' ? uniform(rng, 1.2, 1.6) : uniform(rng, 0.9, 1.5);
      return { kind: 'scratch', stroke: { points, halfWidths: taperedHalfWidths(points.length, middle, 0.4) }, bright: rng.next() < 0.5 };
    }
    case 'contamination': {
      const radius = size === 'small' ? uniform(rng, 5, 8) : size === 'medium' ? uniform(rng, 11, 16) : uniform(rng, 18, 26);
      const c = pointOnFace(rng, scene, size === 'small' ? 8 : 0);
      return { kind: 'contamination', blob: new Blob(c.x, c.y, radius, rng, 0.35, 0.15), rust: rng.next() < 0.5 };
    }
    case 'missing_hole':
      return { kind: 'missing_hole', hole: randomInt(rng, 0, BOLT_HOLES - 1) };
    case 'misplaced_hole': {
      const hole = randomInt(rng, 0, BOLT_HOLES - 1);
      // A wrong indexing step: the hole is drilled on the pitch circle but 17–22° away from its place
      // (23–30 px), leaving its own place undrilled. The first version moved holes 11–17 px off the circle,
      // so the new hole overlapped its old footprint and the default model scored 9 of 12 below the worst
      // normal part.
      const offset = ((rng.next() < 0.5 ? -1 : 1) * uniform(rng, 17, 22) * Math.PI) / 180;
      const a = scene.patternAngle + (hole * 2 * Math.PI) / BOLT_HOLES + offset;
      const r = PITCH_RADIUS * scene.scale;
      return { kind: 'misplaced_hole', hole, to: { x: scene.cx + r * Math.cos(a), y: scene.cy + r * Math.sin(a) } };
    }
    default:
      throw new RangeError(`flange has no defect kind "${kind}"`);
  }
}

function lerp3(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function metal(shade: number, tone: number): Rgb {
  return [METAL[0] * shade * tone, METAL[1] * shade * tone, METAL[2] * shade * tone];
}

/** Paint the part on its mat; returns how much of each pixel is bare top-face metal (0..1). */
function renderPart(scene: FlangeScene, holes: Point[], canvas: Canvas): Float32Array {
  const { width, height, cx, cy, scale, seed, tone } = scene;
  const face = new Float32Array(width * height);
  const lx = Math.cos(scene.lightAngle);
  const ly = Math.sin(scene.lightAngle);
  const rgb = canvas.rgb;
  const holeReach = (HOLE_RADIUS + HOLE_CHAMFER + 1) * scale;
  // The part casts a soft shadow away from the light.
  const shadowX = cx - 5 * lx;
  const shadowY = cy - 5 * ly;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const i = y * width + x;
      const shadow = clamp01((R_OUTER * scale + 4 - Math.hypot(px - shadowX, py - shadowY)) / 6);
      const mat = (30 + 5 * fbm(px / 30, py / 30, 3, seed ^ 0x1111)) * (1 - 0.45 * shadow);
      let color: Rgb = [mat, mat, mat * 1.05];
      const dx = (px - cx) / scale;
      const dy = (py - cy) / scale;
      const r = Math.hypot(dx, dy);
      const partCoverage = coverage((r - R_OUTER) * scale);
      let faceCoverage = 0;
      if (partCoverage > 0) {
        const ux = dx / Math.max(r, 1e-6);
        const uy = dy / Math.max(r, 1e-6);
        const towardsLight = ux * lx + uy * ly; // cos of the angle between the radius and the light
        // Turning marks: every ~0.7 px groove has its own brightness, tool passes add broader bands.
        const grooves = 0.06 * (hash1(Math.floor(r * 1.4), seed) - 0.5) + 0.05 * noise1(r / 3.5, seed ^ 0x2222);
        const bowTie = 0.3 * Math.abs(towardsLight) ** 6;
        const hub = r < R_HUB ? 0.05 : 0;
        let surface = metal(0.56 + grooves + bowTie + hub, tone);
        // Outer chamfer (faces outwards), hub step (raised hub, faces outwards), bore chamfer (faces inwards).
        surface = lerp3(surface, metal(0.6 + 0.35 * towardsLight, tone), clamp01(0.5 + (r - (R_OUTER - OUTER_CHAMFER)) * scale));
        surface = lerp3(surface, metal(0.55 + 0.4 * towardsLight, tone), clamp01(1.1 - Math.abs(r - R_HUB) * scale));
        surface = lerp3(surface, metal(0.55 - 0.4 * towardsLight, tone), coverage((r - R_BORE - BORE_CHAMFER) * scale));
        faceCoverage = partCoverage * (1 - coverage((r - R_BORE - BORE_CHAMFER) * scale - 0.5));
        surface = lerp3(surface, THROUGH, coverage((r - R_BORE) * scale));
        for (const h of holes) {
          const hx = px - h.x;
          const hy = py - h.y;
          if (Math.abs(hx) > holeReach || Math.abs(hy) > holeReach) continue;
          const d = Math.hypot(hx, hy) / scale;
          const facing = -(hx * lx + hy * ly) / Math.max(d * scale, 1e-6);
          const chamfer = coverage((d - HOLE_RADIUS - HOLE_CHAMFER) * scale);
          surface = lerp3(surface, metal(0.55 + 0.4 * facing, tone), chamfer);
          faceCoverage *= 1 - coverage((d - HOLE_RADIUS - HOLE_CHAMFER) * scale - 0.5);
          surface = lerp3(surface, THROUGH, coverage((d - HOLE_RADIUS) * scale));
        }
        color = lerp3(color, surface, partCoverage);
      }
      face[i] = faceCoverage;
      const o = i * 3;
      rgb[o] = color[0];
      rgb[o + 1] = color[1];
      rgb[o + 2] = color[2];
    }
  }
  return face;
}

/** Weight 1 on the disc a bolt hole (with chamfer) occupies or would occupy. */
function markHoleFootprint(scene: FlangeScene, centre: Point, weight: Float32Array): void {
  const reach = (HOLE_RADIUS + HOLE_CHAMFER + 1) * scene.scale;
  const x0 = Math.max(0, Math.floor(centre.x - reach - 1));
  const x1 = Math.min(scene.width - 1, Math.ceil(centre.x + reach + 1));
  const y0 = Math.max(0, Math.floor(centre.y - reach - 1));
  const y1 = Math.min(scene.height - 1, Math.ceil(centre.y + reach + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      raiseWeight(weight, y * scene.width + x, coverage(Math.hypot(x + 0.5 - centre.x, y + 0.5 - centre.y) - reach));
    }
  }
}

const CONTAMINATION_TINT = { oil: [0.42, 0.4, 0.36] as Rgb, rust: [0.95, 0.58, 0.34] as Rgb };
const SCRATCH_BRIGHT: Rgb = [250, 250, 252];

function render(scene: FlangeScene, defect: FlangeDefect | null, canvas: Canvas, weight: Float32Array): void {
  const holes = Array.from({ length: BOLT_HOLES }, (_, k) => holeCentre(scene, k));
  if (defect?.kind === 'missing_hole') {
    markHoleFootprint(scene, holes[defect.hole], weight);
    holes.splice(defect.hole, 1);
  } else if (defect?.kind === 'misplaced_hole') {
    markHoleFootprint(scene, holes[defect.hole], weight);
    markHoleFootprint(scene, defect.to, weight);
    holes[defect.hole] = defect.to;
  }
  const face = renderPart(scene, holes, canvas);
  const rgb = canvas.rgb;
  if (defect?.kind === 'scratch') {
    paintStroke(canvas, weight, defect.stroke, (i, cov) => {
      if (defect.bright) {
        blendPixel(canvas, i, SCRATCH_BRIGHT, cov * 0.9);
      } else {
        const k = i * 3;
        blendPixel(canvas, i, [rgb[k] * 0.35, rgb[k + 1] * 0.35, rgb[k + 2] * 0.35], cov);
      }
    }, 0, face);
  } else if (defect?.kind === 'contamination') {
    paintStain(canvas, weight, defect.blob, defect.rust ? CONTAMINATION_TINT.rust : CONTAMINATION_TINT.oil, 0.25, face);
  }
}

export const flange: CategoryGenerator<FlangeScene, FlangeDefect> = { drawScene, drawDefect, render };
