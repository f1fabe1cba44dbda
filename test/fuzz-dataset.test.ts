/**
 * Property-based fuzzing of the dataset readers (fast-check): metadata files of each format
 * (DESED TSV, ESC-50, UrbanSound8K, FSD50K and folder CSV) written from rows whose fields are
 * drawn from valid values, hostile names (`../`, absolute paths, a link out of the root) and
 * arbitrary text (quotes, tabs, line breaks, any Unicode). Whatever the text, reading either
 * fails with a coded error (E_DATA, E_IO, E_VALUE) naming a file of the dataset, or gives a
 * manifest whose items are files inside the root with labels among its classes; and
 * checkManifest, with and without --skip-bad, keeps to the same rule.
 */
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { encodeWav } from '../src/data/audio/wav.js';
import { checkManifest, type DatasetFormat, type DatasetManifest } from '../src/data/manifest.js';
import { readDataset } from '../src/data/readers/detect.js';
import { errorCode } from '../src/errors.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';

const scratch = realpathSync(os.tmpdir());
const base = path.join(scratch, `sedjoule-fuzz-dataset-${process.pid}`);
const outsideWav = path.join(base, 'outside.wav');
afterAll(() => rmSync(base, { recursive: true, force: true }));
mkdirSync(base, { recursive: true });
const WAV = encodeWav([new Float32Array(80)], 8000, 'pcm16');
writeFileSync(outsideWav, WAV);

/** One format: its metadata files with their columns, and the folders its audio is read from. */
interface Layout {
  format: DatasetFormat;
  delimiter: string;
  files: Array<{ path: string; columns: string[] }>;
  audioDirs: string[];
  /** Names of the audio files present in every audio folder. */
  names: string[];
}

const STRONG = ['filename', 'onset', 'offset', 'event_label'];
const LAYOUTS: Layout[] = [
  {
    format: 'desed',
    delimiter: '\t',
    files: [
      { path: 'metadata/train/weak.tsv', columns: ['filename', 'event_labels'] },
      { path: 'metadata/train/strong.tsv', columns: STRONG },
      { path: 'metadata/validation/validation.tsv', columns: STRONG },
    ],
    audioDirs: ['audio/train/weak', 'audio/validation'],
    names: ['a.wav', 'b.wav'],
  },
  {
    format: 'esc50',
    delimiter: ',',
    files: [{ path: 'meta/esc50.csv', columns: ['filename', 'fold', 'target', 'category', 'esc10', 'src_file', 'take'] }],
    audioDirs: ['audio'],
    names: ['a.wav', 'b.wav'],
  },
  {
    format: 'urbansound8k',
    delimiter: ',',
    files: [
      { path: 'metadata/UrbanSound8K.csv', columns: ['slice_file_name', 'fsID', 'start', 'end', 'salience', 'fold', 'classID', 'class'] },
    ],
    audioDirs: ['audio/fold1', 'audio/fold10'],
    names: ['a.wav', 'b.wav'],
  },
  {
    format: 'fsd50k',
    delimiter: ',',
    files: [
      { path: 'FSD50K.ground_truth/dev.csv', columns: ['fname', 'labels', 'mids', 'split'] },
      { path: 'FSD50K.ground_truth/eval.csv', columns: ['fname', 'labels', 'mids'] },
    ],
    audioDirs: ['FSD50K.dev_audio', 'FSD50K.eval_audio'],
    names: ['1.wav', '2.wav'],
  },
  {
    format: 'folder',
    delimiter: ',',
    files: [{ path: 'labels.csv', columns: ['filename', 'labels', 'split'] }],
    audioDirs: ['.'],
    names: ['a.wav', 'b.wav'],
  },
];

const hostileNames = ['../../outside.wav', outsideWav, '/etc/passwd', 'link.wav', 'sub/../a.wav', './a.wav', '', ' ', 'a.wav/'];
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('"', '""', '"a,b"', 'a\tb', 'a\nb', '\r', ',', ';', '|'),
);
const numbers = fc.constantFrom('0', '1', '2', '5', '10', '-1', '0.5', '1e999', 'NaN', '0x10', ' 3 ', '', '9007199254740993');
const labels = fc.constantFrom('Dog', 'Cat', 'Speech', 'dog', 'cat', 'Dog,Cat', 'train', 'val', 'test', '');

/** A field for a column: mostly plausible values, sometimes hostile or arbitrary text. */
function field(layout: Layout, column: string): fc.Arbitrary<string> {
  const isName = ['filename', 'slice_file_name', 'fname', 'src_file'].includes(column);
  const plausible = isName
    ? fc.constantFrom(...layout.names, ...layout.names.map((n) => n.replace(/\.wav$/, '')))
    : ['onset', 'offset', 'fold', 'target', 'classID', 'fsID', 'start', 'end', 'salience', 'take', 'esc10'].includes(column)
      ? numbers
      : labels;
  return fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 2, arbitrary: isName ? fc.constantFrom(...hostileNames) : text }, text);
}

/** The text of one metadata file: its header (sometimes damaged) and rows (sometimes of the wrong width). */
function metadata(layout: Layout, columns: string[]): fc.Arbitrary<string> {
  const row = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(...columns.map((c) => field(layout, c))) },
    fc.array(text, { maxLength: columns.length + 2 }),
  );
  const header = fc.oneof({ weight: 5, arbitrary: fc.constant(columns) }, fc.array(text, { maxLength: 4 }));
  return fc
    .tuple(header, fc.array(row, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'))
    .map(([h, rows, newline]) => [h, ...rows].map((r) => r.join(layout.delimiter)).join(newline) + newline);
}

let counter = 0;
function writeDataset(layout: Layout, texts: string[]): string {
  const root = path.join(base, `${layout.format}-${++counter}`);
  for (const dir of layout.audioDirs) {
    mkdirSync(path.join(root, dir), { recursive: true });
    for (const name of layout.names) writeFileSync(path.join(root, dir, name), WAV);
    symlinkSync(outsideWav, path.join(root, dir, 'link.wav'));
  }
  layout.files.forEach((file, i) => {
    mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
    writeFileSync(path.join(root, file.path), texts[i]);
  });
  return root;
}

/** A coded error that names the dataset (its root or a file in it). */
function expectNamedError(error: unknown, root: string): void {
  expect(['E_DATA', 'E_IO', 'E_VALUE'], String(error)).toContain(errorCode(error));
  expect((error as Error).message).toContain(root);
}

function expectSoundManifest(manifest: DatasetManifest, root: string): void {
  const classes = new Set(manifest.classes);
  for (const item of manifest.items) {
    expect(path.relative(root, realpathSync(item.path)).startsWith('..'), `${item.path} is outside ${root}`).toBe(false);
    for (const label of item.labels) expect(classes.has(label), `label '${label}' of ${item.path}`).toBe(true);
    for (const event of item.events ?? []) {
      expect(Number.isFinite(event.onset) && Number.isFinite(event.offset) && event.onset >= 0 && event.onset <= event.offset).toBe(true);
    }
    expect(typeof item.split === 'string' && item.split.length > 0).toBe(true);
  }
  for (const problem of manifest.problems) expect(problem.file.startsWith(root)).toBe(true);
}

describe('fuzz: reading dataset metadata', () => {
  for (const layout of LAYOUTS) {
    it(
      `${layout.format}: a coded error naming the dataset, or items inside its root with known labels`,
      async () => {
        const outcomes = { refused: 0, items: 0, problems: 0 };
        await fc.assert(
          fc.asyncProperty(fc.tuple(...layout.files.map((f) => metadata(layout, f.columns))), async (texts) => {
            const root = writeDataset(layout, texts);
            try {
              let manifest: DatasetManifest;
              try {
                manifest = await readDataset(root, { format: layout.format });
              } catch (error) {
                expectNamedError(error, root);
                ++outcomes.refused;
                return;
              }
              expectSoundManifest(manifest, root);
              outcomes.items += manifest.items.length;
              outcomes.problems += manifest.problems.length;
              for (const skipBad of [false, true]) {
                try {
                  const checked = checkManifest(manifest, { skipBad });
                  expectSoundManifest(checked.manifest, root);
                  expect(checked.manifest.items.length).toBeGreaterThan(0);
                } catch (error) {
                  expectNamedError(error, root);
                }
              }
            } finally {
              rmSync(root, { recursive: true, force: true });
            }
          }),
          fuzzOptions(),
        );
        // For the record of a long run (npm run fuzz): cases refused whole, items read and problems listed.
        if (process.env.SEDJOULE_FUZZ_VERBOSE) console.log(layout.format, outcomes);
      },
      fuzzTimeout(50),
    );
  }
});
