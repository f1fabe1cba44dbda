/**
 * Cross-correlation of two evenly sampled signals by FFT (radix 2, zero padded), and the peak lag
 * refined between samples by a parabola through the peak and its neighbours.
 */

/** In-place iterative radix-2 FFT of (re, im); the length must be a power of two; the inverse divides by n. */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; ++i) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; ++k) {
        const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k + len / 2] = re[i + k] - ar;
        im[i + k + len / 2] = im[i + k] - ai;
        re[i + k] += ar;
        im[i + k] += ai;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; ++i) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

/**
 * c[lag + (y.length - 1)] = sum_i x[i + lag] y[i], for lag from -(y.length - 1) to x.length - 1: how
 * well y matches x when y is moved `lag` samples later.
 */
export function crossCorrelate(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const size = x.length + y.length - 1;
  let n = 1;
  while (n < size) n <<= 1;
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  for (let i = 0; i < x.length; ++i) xr[i] = x[i];
  for (let i = 0; i < y.length; ++i) yr[i] = y[i];
  fft(xr, xi, false);
  fft(yr, yi, false);
  // X times the conjugate of Y.
  for (let i = 0; i < n; ++i) {
    const r = xr[i] * yr[i] + xi[i] * yi[i];
    const im = xi[i] * yr[i] - xr[i] * yi[i];
    xr[i] = r;
    xi[i] = im;
  }
  fft(xr, xi, true);
  const out = new Float64Array(size);
  for (let lag = -(y.length - 1); lag < x.length; ++lag) out[lag + y.length - 1] = xr[(lag + n) % n];
  return out;
}

/** The lag (in samples, fractional) of the largest value of c, where c[i] belongs to lag i - zeroAt. */
export function peakLag(c: ArrayLike<number>, zeroAt: number): number {
  let best = 0;
  for (let i = 1; i < c.length; ++i) if (c[i] > c[best]) best = i;
  let shift = 0;
  if (best > 0 && best < c.length - 1) {
    const [a, b, d] = [c[best - 1], c[best], c[best + 1]];
    const curvature = a - 2 * b + d;
    if (curvature < 0) shift = (0.5 * (a - d)) / curvature;
  }
  return best + shift - zeroAt;
}
