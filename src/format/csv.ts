/** Writing CSV (RFC 4180): a cell is quoted when it holds a comma, a quote or a line break. */

export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A header line and one line per row, each row's cells in the columns' order. */
export function csvText(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [columns.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))];
  return `${lines.join('\n')}\n`;
}
