/**
 * Internal helper: in-place ascending LSD radix sorts for float typed arrays.
 *
 * The built-in `TypedArray.prototype.sort` is a comparison sort and takes ~5 s for 40 million
 * values on a small machine; a radix sort on the IEEE-754 bit patterns is linear and several times
 * faster. Floats are mapped to unsigned integers whose unsigned order equals the numeric order
 * (positive values: set the sign bit; negative values: flip all bits), sorted 16 bits at a time
 * (2 passes for float32, 4 for float64; a pass whose digit is constant is skipped), and mapped
 * back. Small inputs without payload use the native sort. `-0` is normalised to `+0` so that the
 * two zeros form one tie group. NaN must not be present (the callers reject it beforehand).
 */

const DIGIT_BITS = 16;
const RADIX = 1 << DIGIT_BITS;
const MASK = RADIX - 1;
const NEG_ZERO_BITS = -0x80000000; // 0x80000000 read through an Int32Array
/** Below this length the native comparison sort is faster than clearing two 64 K histograms. */
const NATIVE_SORT_BELOW = 1 << 14;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Map a float32's bit pattern (read as int32) to a key whose unsigned order (`key >>> 0`) is the
 * numeric order of the floats, with -0 and +0 sharing a key. `key >>> 16` is a 65536-bucket
 * histogram index that preserves order.
 */
export function float32Key(bits: number): number {
  if (bits === NEG_ZERO_BITS) bits = 0;
  return bits < 0 ? ~bits : bits ^ 0x80000000;
}

function normaliseNegativeZeros(values: Float32Array | Float64Array): void {
  for (let i = 0; i < values.length; i++) if (values[i] === 0) values[i] = 0;
}

/** Turn histogram counts (in place) into exclusive prefix sums; returns false when one bucket holds everything. */
function prefixSums(counts: Int32Array, offset: number, n: number): boolean {
  let sum = 0;
  for (let d = 0; d < RADIX; d++) {
    const c = counts[offset + d];
    if (c === n) return false; // every key has this digit: the pass would be the identity
    counts[offset + d] = sum;
    sum += c;
  }
  return true;
}

/**
 * Sort `values` ascending in place. When `payload` is given it is permuted alongside (the sort is
 * stable, so equal values keep their payload's original relative order).
 */
export function sortFloat32(values: Float32Array, payload?: Int32Array): void {
  const n = values.length;
  if (payload !== undefined && payload.length !== n) {
    throw new Error(`sortFloat32: payload length ${payload.length} differs from values length ${n}`);
  }
  if (payload === undefined && n < NATIVE_SORT_BELOW) {
    values.sort();
    normaliseNegativeZeros(values);
    return;
  }
  const keys = new Int32Array(values.buffer, values.byteOffset, n);
  const counts = new Int32Array(2 * RADIX);
  for (let i = 0; i < n; i++) {
    const k = float32Key(keys[i]);
    keys[i] = k;
    counts[k & MASK]++;
    counts[RADIX + (k >>> DIGIT_BITS)]++;
  }
  let src: Int32Array = keys;
  let dst: Int32Array = new Int32Array(n);
  let psrc: Int32Array | undefined = payload;
  let pdst: Int32Array | undefined = payload === undefined ? undefined : new Int32Array(n);
  for (let pass = 0; pass < 2; pass++) {
    const offset = pass * RADIX;
    if (!prefixSums(counts, offset, n)) continue;
    const shift = pass * DIGIT_BITS;
    if (psrc === undefined || pdst === undefined) {
      for (let i = 0; i < n; i++) {
        const k = src[i];
        dst[counts[offset + ((k >>> shift) & MASK)]++] = k;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const k = src[i];
        const pos = counts[offset + ((k >>> shift) & MASK)]++;
        dst[pos] = k;
        pdst[pos] = psrc[i];
      }
      const pt = psrc;
      psrc = pdst;
      pdst = pt;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== keys) {
    keys.set(src);
    if (payload !== undefined && psrc !== undefined) payload.set(psrc);
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    keys[i] = k < 0 ? k ^ 0x80000000 : ~k;
  }
}

/** Sort `values` ascending in place. */
export function sortFloat64(values: Float64Array): void {
  const n = values.length;
  if (n < NATIVE_SORT_BELOW || !LITTLE_ENDIAN) {
    // Native comparison sort: faster for small inputs; big-endian hosts are practically nonexistent.
    values.sort();
    normaliseNegativeZeros(values);
    return;
  }
  // Little-endian: word 2i is the low half, word 2i+1 the high half (sign, exponent, top mantissa).
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
  const counts = new Int32Array(4 * RADIX);
  for (let i = 0; i < n; i++) {
    let lo = words[2 * i];
    let hi = words[2 * i + 1];
    if (hi === NEG_ZERO_BITS && lo === 0) hi = 0;
    if (hi < 0) {
      hi = ~hi;
      lo = ~lo;
    } else {
      hi ^= 0x80000000;
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
    counts[lo & MASK]++;
    counts[RADIX + (lo >>> DIGIT_BITS)]++;
    counts[2 * RADIX + (hi & MASK)]++;
    counts[3 * RADIX + (hi >>> DIGIT_BITS)]++;
  }
  let src: Int32Array = words;
  let dst: Int32Array = new Int32Array(2 * n);
  for (let pass = 0; pass < 4; pass++) {
    const offset = pass * RADIX;
    if (!prefixSums(counts, offset, n)) continue;
    const word = pass >> 1; // 0: low word, 1: high word
    const shift = (pass & 1) * DIGIT_BITS;
    for (let i = 0; i < n; i++) {
      const digit = (src[2 * i + word] >>> shift) & MASK;
      const pos = 2 * counts[offset + digit]++;
      dst[pos] = src[2 * i];
      dst[pos + 1] = src[2 * i + 1];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== words) words.set(src);
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1];
    if (hi < 0) {
      words[2 * i + 1] = hi ^ 0x80000000;
    } else {
      words[2 * i + 1] = ~hi;
      words[2 * i] = ~words[2 * i];
    }
  }
}
