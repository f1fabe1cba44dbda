import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvText, parseCsv, readCsv, requireColumns } from '../src/util/csv.js';
import { failure } from './helpers.js';

describe('parseCsv', () => {
  it('reads a header and rows with the line each row starts on', () => {
    const table = parseCsv('filename,fold,target\n1-100032-A-0.wav,1,0\n1-100038-A-14.wav,1,14\n', 'esc50.csv');
    expect(table.header).toEqual(['filename', 'fold', 'target']);
    expect(table.headerLine).toBe(1);
    expect(table.rows).toEqual([
      { line: 2, fields: ['1-100032-A-0.wav', '1', '0'] },
      { line: 3, fields: ['1-100038-A-14.wav', '1', '14'] },
    ]);
  });

  it('keeps commas inside quotes (FSD50K labels) and un-doubles quotes', () => {
    const text = 'fname,labels,mids,split\n64760,"Electric_guitar,Guitar,Music","/m/02sgy,/m/0342h,/m/04rlf",train\n1,"say ""hi""",,val\n';
    const table = parseCsv(text, 'dev.csv');
    expect(table.rows[0].fields).toEqual(['64760', 'Electric_guitar,Guitar,Music', '/m/02sgy,/m/0342h,/m/04rlf', 'train']);
    expect(table.rows[1].fields).toEqual(['1', 'say "hi"', '', 'val']);
  });

  it('counts lines through quoted newlines, CRLF and lone CR', () => {
    const text = 'a,b\r\n1,"two\r\nlines"\r\n3,4\r5,6';
    const table = parseCsv(text, 'x.csv');
    expect(table.rows).toEqual([
      { line: 2, fields: ['1', 'two\nlines'] },
      { line: 4, fields: ['3', '4'] },
      { line: 5, fields: ['5', '6'] },
    ]);
  });

  it('skips a byte-order mark, blank lines, and keeps empty trailing fields', () => {
    const table = parseCsv('\ufeffa,b,c\n\n1,2,\n\n,,\n', 'x.csv');
    expect(table.header).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([
      { line: 3, fields: ['1', '2', ''] },
      { line: 5, fields: ['', '', ''] },
    ]);
  });

  it("reads AudioSet segments: '#' comment lines, ', ' separators, quoted MID lists", () => {
    const text = [
      '# Segments csv created Sun Mar  5 10:54:31 2017',
      '# num_ytids=22160, num_segs=22160, num_unique_labels=527, num_positive_labels=52882',
      '# YTID, start_seconds, end_seconds, positive_labels',
      '--PJHxphWEs, 30.000, 40.000, "/m/09x0r,/t/dd00088"',
      '--ZhevVpy1s, 50.000, 60.000, "/m/012xff"',
      '',
    ].join('\n');
    const table = parseCsv(text, 'balanced_train_segments.csv', { header: false, comment: '#', trim: true });
    expect(table.header).toBeUndefined();
    expect(table.rows).toEqual([
      { line: 4, fields: ['--PJHxphWEs', '30.000', '40.000', '/m/09x0r,/t/dd00088'] },
      { line: 5, fields: ['--ZhevVpy1s', '50.000', '60.000', '/m/012xff'] },
    ]);
  });

  it('reads TSV with empty fields (a DESED strong row without events)', () => {
    const text = 'filename\tonset\toffset\tevent_label\nY1.wav\t0.467\t0.717\tAlarm_bell_ringing\nY2.wav\t\t\t\n';
    const table = parseCsv(text, 'validation.tsv', { delimiter: '\t' });
    expect(table.rows[1]).toEqual({ line: 3, fields: ['Y2.wav', '', '', ''] });
  });

  it('trims spaces but not tabs that separate TSV fields, and keeps spaces inside quotes', () => {
    const table = parseCsv('a\tb\n  x  \t " y " \n', 't.tsv', { delimiter: '\t', trim: true });
    expect(table.rows[0].fields).toEqual(['x', ' y ']);
    expect(parseCsv('a,b\n x , y \n', 'u.csv').rows[0].fields).toEqual([' x ', ' y ']);
  });

  it("a '#' inside a row is data, not a comment", () => {
    const table = parseCsv('a,b\n1,#2\n#skipped\n3,"#4"\n', 'c.csv', { comment: '#' });
    expect(table.rows.map((r) => r.fields)).toEqual([
      ['1', '#2'],
      ['3', '#4'],
    ]);
  });

  it('an unclosed quote is E_DATA naming the file and the line where the field began', async () => {
    const error = await failure(() => parseCsv('a,b\n1,2\n3,"four\n5,6\n', 'broken.csv'));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toBe('broken.csv:3: a quoted field is never closed (missing ")');
  });

  it('text after a closing quote is E_DATA naming file and line', async () => {
    const error = await failure(() => parseCsv('a,b\n1,"2"x\n', 'junk.csv'));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain('junk.csv:2: unexpected "x" after the closing quote of field 2');
  });

  it('an empty file has an empty header and no rows', () => {
    expect(parseCsv('', 'empty.csv')).toEqual({ header: [], headerLine: undefined, rows: [] });
  });

  it('rejects a delimiter that cannot work', async () => {
    expect((await failure(() => parseCsv('a', 'x.csv', { delimiter: '"' }))).code).toBe('E_VALUE');
    expect((await failure(() => parseCsv('a', 'x.csv', { delimiter: ', ' }))).code).toBe('E_VALUE');
  });
});

describe('requireColumns and readCsv', () => {
  it('finds the columns by name', () => {
    const table = parseCsv('fname,labels,split\n1,a,train\n', 'dev.csv');
    expect(requireColumns(table, 'dev.csv', ['split', 'fname'])).toEqual({ split: 2, fname: 0 });
  });

  it('names the missing columns, the file, the header line and the header found', async () => {
    const table = parseCsv('# note\nfilename,label\n', 'labels.csv', { comment: '#' });
    const error = await failure(() => requireColumns(table, 'labels.csv', ['filename', 'labels', 'split']));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toBe("labels.csv:2: missing columns 'labels', 'split' (header is 'filename', 'label')");
  });

  it('reads a file, and a missing file is E_IO with its path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-csv-'));
    try {
      const file = path.join(dir, 'x.tsv');
      await writeFile(file, 'a\tb\n1\t2\n');
      expect((await readCsv(file, { delimiter: '\t' })).rows[0].fields).toEqual(['1', '2']);
      const error = await failure(() => readCsv(path.join(dir, 'missing.csv')));
      expect(error.code).toBe('E_IO');
      expect(error.message).toContain(path.join(dir, 'missing.csv'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('csvText', () => {
  it('quotes only cells with a comma, a quote or a line break, and reads back as written', () => {
    const rows = [
      ['plain', 'a,b', 'say "hi"'],
      ['two\nlines', '', '3.5'],
    ];
    const text = csvText(['name', 'list', 'note'], rows);
    expect(text).toBe('name,list,note\nplain,"a,b","say ""hi"""\n"two\nlines",,3.5\n');
    const table = parseCsv(text, 'written.csv');
    expect(table.header).toEqual(['name', 'list', 'note']);
    expect(table.rows.map((r) => r.fields)).toEqual(rows);
  });
});
