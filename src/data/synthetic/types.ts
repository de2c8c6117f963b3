/** Shared types of the synthetic inspection categories. */
import type { SeededRandom } from '../../engine/random.ts';
import type { Canvas } from './raster.ts';

export type CategoryId = 'fabric' | 'wood' | 'flange';

/** Defect sizes of the test split; about a third of each defect kind is small (roughly 8–20 px). */
export type DefectSize = 'large' | 'medium' | 'small';

/**
 * One category's material and defects. `drawScene` draws everything about a normal shot (pose,
 * material phase and colour) from its own random stream, `drawDefect` a defect from another stream;
 * `render` then paints the scene, with or without the defect, so the two renders differ only where
 * the defect is.
 */
export interface CategoryGenerator<Scene, Defect> {
  drawScene(rng: SeededRandom, width: number, height: number): Scene;
  drawDefect(kind: string, size: DefectSize, rng: SeededRandom, scene: Scene): Defect;
  /**
   * Paint into `canvas` (0..255 float RGB, before lighting and noise). With a defect, `weight`
   * (one value per pixel, zero-filled) receives the defect's blend weight.
   */
  render(scene: Scene, defect: Defect | null, canvas: Canvas, weight: Float32Array): void;
}
