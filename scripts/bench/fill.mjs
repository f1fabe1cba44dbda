// Seeded inputs for the benches: the same numbers on every run and in every peer that reads them.

/** n values in [-0.5, 0.5) from a 32-bit linear congruential generator (Numerical Recipes' constants). */
export function fill(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** Multi-hot targets: 1 at every index i with i * 7 % 5 == 0. */
export function multiHot(n) {
  return Float32Array.from({ length: n }, (_, i) => ((i * 7) % 5 === 0 ? 1 : 0));
}
