/** Numbers for reports: significant digits without exponent noise where a plain form is short. */

/** `digits` significant digits; '-' for a missing value. Large and tiny magnitudes keep an exponent. */
export function sig(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** "[lo, hi]" or '-' when there is no interval. */
export function bracket(interval: { lo: number; hi: number } | null | undefined, digits = 3): string {
  return interval ? `[${sig(interval.lo, digits)}, ${sig(interval.hi, digits)}]` : '-';
}
