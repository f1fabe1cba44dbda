/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text. */
export function renderTable(headers: string[], rows: Array<Array<string | number>>, numeric: boolean[] = []): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A number with a fixed count of significant decimals, without exponent noise for readers. */
export function fixed(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}
