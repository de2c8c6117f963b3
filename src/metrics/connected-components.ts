/**
 * Connected-component labelling of binary masks (iterative breadth-first flood fill; no
 * recursion, so arbitrarily large regions cannot overflow the stack).
 */

export type Connectivity = 4 | 8;

export interface ConnectedComponents {
  /** Per pixel: 0 for background, 1..count for the component it belongs to. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** sizes[k] = number of pixels with label k (sizes[0] counts the background). Length count + 1. */
  sizes: Int32Array;
}

/**
 * Label the connected foreground regions of a row-major `width`×`height` mask (nonzero =
 * foreground). Components are numbered 1..count in raster order of their first pixel.
 * With 8-connectivity, pixels touching only at a corner belong to the same component.
 */
export function labelConnectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  connectivity: Connectivity = 8,
): ConnectedComponents {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`labelConnectedComponents: invalid size ${width}x${height}`);
  }
  const n = width * height;
  if (mask.length !== n) {
    throw new Error(`labelConnectedComponents: mask length ${mask.length} != ${width}x${height}`);
  }
  if (connectivity !== 4 && connectivity !== 8) {
    throw new Error(`labelConnectedComponents: connectivity must be 4 or 8, got ${String(connectivity)}`);
  }
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const sizeList: number[] = [0];
  const diagonal = connectivity === 8;
  let count = 0;
  let background = 0;
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0) {
      background++;
      continue;
    }
    if (labels[start] !== 0) continue;
    const label = ++count;
    labels[start] = label;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const p = queue[head++];
      const y = (p / width) | 0;
      const x = p - y * width;
      const y0 = y > 0 ? y - 1 : y;
      const y1 = y < height - 1 ? y + 1 : y;
      const x0 = x > 0 ? x - 1 : x;
      const x1 = x < width - 1 ? x + 1 : x;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          if (!diagonal && yy !== y && xx !== x) continue;
          const q = yy * width + xx;
          if (mask[q] !== 0 && labels[q] === 0) {
            labels[q] = label;
            queue[tail++] = q;
          }
        }
      }
    }
    sizeList.push(tail);
  }
  sizeList[0] = background;
  return { labels, count, sizes: Int32Array.from(sizeList) };
}
