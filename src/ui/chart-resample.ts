/** Curves of any point count on one shared x grid, for uPlot's aligned data (pure; tested in Node). */

/**
 * The step curve's value at each grid x: the largest y of a point with x ≤ grid x (curves are monotone
 * and start at (0, 0)), so the drawn curve never runs ahead of the measured one.
 */
export function resampleStep(xs: readonly number[], ys: readonly number[], grid: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  let y = 0;
  for (const g of grid) {
    while (j < xs.length && xs[j] <= g + 1e-12) y = Math.max(y, ys[j++]);
    out.push(y);
  }
  return out;
}

/** n + 1 evenly spaced values from 0 to hi. */
export function grid(hi: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (hi * i) / n);
}
