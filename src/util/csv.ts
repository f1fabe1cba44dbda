/**
 * RFC-4180 CSV (and TSV), read and written. Parsing remembers where each row came from, so a
 * dataset problem can be reported as "file:line". FSD50K, AudioSet and AudioSet's class list put commas inside
 * double-quoted fields, so splitting lines on the delimiter is not enough; AudioSet also needs
 * '#' comment lines skipped and the spaces of its ", " separators trimmed.
 */
import { readFile } from 'node:fs/promises';
import { SedjouleError } from '../errors.js';

export interface CsvOptions {
  /** Field separator: ',' (default) or '\t' for TSV; any single character. */
  delimiter?: string;
  /** The first row (after comments) names the columns. Default true. */
  header?: boolean;
  /** Lines starting with this prefix (at the start of a row) are skipped, e.g. '#'. */
  comment?: string;
  /** Remove spaces around fields (outside quotes), for "a, b, c" files such as AudioSet's. */
  trim?: boolean;
}

export interface CsvRow {
  /** 1-based line on which the row starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvTable {
  /** Column names when `header` was set; undefined otherwise. */
  header: string[] | undefined;
  /** Line of the header row, for messages about the header itself. */
  headerLine: number | undefined;
  rows: CsvRow[];
}

function csvError(file: string, line: number, what: string): SedjouleError {
  return new SedjouleError('E_DATA', `${file}:${line}: ${what}`);
}

/** Parses CSV/TSV text. `file` names the source in error messages. E_DATA on malformed quoting. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new SedjouleError(
      'E_VALUE',
      `CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
    );
  }
  const comment = options.comment;
  const trim = options.trim ?? false;
  // Spaces are trimmed, and tabs too unless they separate fields.
  const isBlank = (ch: string): boolean => ch === ' ' || (ch === '\t' && delimiter !== '\t');
  // A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const records: CsvRow[] = [];
  let line = 1;
  let i = start;
  const n = text.length;

  /** Advances past one newline (LF, CRLF or a lone CR) at i, if there is one. */
  const skipNewline = (): boolean => {
    if (text[i] === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1;
      ++line;
      return true;
    }
    if (text[i] === '\n') {
      ++i;
      ++line;
      return true;
    }
    return false;
  };

  while (i < n) {
    const rowLine = line;
    // Comment lines are recognised only at the start of a row, never inside a quoted field.
    if (comment && text.startsWith(comment, i)) {
      while (i < n && text[i] !== '\n' && text[i] !== '\r') ++i;
      skipNewline();
      continue;
    }
    const fields: string[] = [];
    let rowEnded = false;
    while (!rowEnded) {
      let value = '';
      if (trim) while (i < n && isBlank(text[i])) ++i;
      if (text[i] === '"') {
        const quoteLine = line;
        ++i;
        for (;;) {
          if (i >= n) throw csvError(file, quoteLine, 'a quoted field is never closed (missing ")');
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (ch === '\r' || ch === '\n') {
            // A newline inside quotes is part of the value; it is normalized to \n.
            skipNewline();
            value += '\n';
            continue;
          }
          value += ch;
          ++i;
        }
        if (trim) while (i < n && isBlank(text[i])) ++i;
        if (i < n && text[i] !== delimiter && text[i] !== '\r' && text[i] !== '\n') {
          throw csvError(
            file,
            line,
            `unexpected ${JSON.stringify(text[i])} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field must be doubled)`,
          );
        }
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\r' && text[i] !== '\n') ++i;
        value = text.slice(from, i);
        // Trailing tabs cannot be here when tab is the delimiter, so one pattern serves both.
        if (trim) value = value.replace(/[ \t]+$/, '');
      }
      fields.push(value);
      if (i < n && text[i] === delimiter) {
        ++i;
      } else {
        skipNewline();
        rowEnded = true;
      }
    }
    // Blank lines (one empty field) carry nothing; keeping them would make every reader report them.
    if (fields.length === 1 && fields[0] === '') continue;
    records.push({ line: rowLine, fields });
  }

  if (options.header ?? true) {
    const first = records.shift();
    return { header: first ? first.fields : [], headerLine: first?.line, rows: records };
  }
  return { header: undefined, headerLine: undefined, rows: records };
}

/** Reads and parses a CSV/TSV file; E_IO when it cannot be read. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SedjouleError('E_IO', `${path}: cannot read (${code ?? (error as Error).message})`);
  }
  return parseCsv(text, path, options);
}

/**
 * Indices of the named columns in a table's header; E_DATA naming the file, the missing columns
 * and the header actually found.
 */
export function requireColumns<Name extends string>(table: CsvTable, file: string, names: readonly Name[]): Record<Name, number> {
  const header = table.header ?? [];
  const index = {} as Record<Name, number>;
  const missing: string[] = [];
  for (const name of names) {
    const at = header.indexOf(name);
    if (at < 0) missing.push(name);
    else index[name] = at;
  }
  if (missing.length > 0) {
    const where = table.headerLine !== undefined ? `${file}:${table.headerLine}` : file;
    throw new SedjouleError(
      'E_DATA',
      `${where}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (header is ${header.length ? header.map((h) => `'${h}'`).join(', ') : 'empty'})`,
    );
  }
  return index;
}

/** A cell as written: quoted when it holds a comma, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A header line and one line per row, each row's cells in the columns' order. */
export function csvText(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [columns, ...rows].map(csvLine).join('');
}

/** One row and its line end. */
export function csvLine(row: readonly string[]): string {
  return `${row.map(csvCell).join(',')}\n`;
}
