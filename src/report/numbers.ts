/** Numbers as tooltips and tables give them: exact, not rounded for the eye. */

/** Integers with thousands separators; other values to 10 significant digits (float noise dropped). */
export function exact(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  const body = Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toPrecision(10)));
  return unit ? `${body} ${unit}` : body;
}

/** A plain number for a CSV cell: full precision, no separators; empty for a missing value. */
export function csvNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '' : String(value);
}
