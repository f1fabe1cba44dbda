/** Recognising a dataset's format from its files, and reading it with the matching reader. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SedjouleError } from '../../errors.js';
import { DATASET_FORMATS, type DatasetFormat, type DatasetManifest } from '../manifest.js';
import { isFile, type ReaderOptions } from './common.js';
import { DESED_MARKERS, readDesed } from './desed.js';
import { ESC50_METADATA, readEsc50 } from './esc50.js';
import { FOLDER_METADATA, readFolder } from './folder.js';
import { FSD50K_DEV, FSD50K_EVAL, readFsd50k } from './fsd50k.js';
import { readUrbanSound8k, URBANSOUND8K_METADATA } from './urbansound8k.js';

/** The metadata files whose presence identifies each format, relative to the dataset root. */
const FORMAT_MARKERS: Record<DatasetFormat, readonly string[]> = {
  desed: DESED_MARKERS,
  esc50: [ESC50_METADATA],
  urbansound8k: [URBANSOUND8K_METADATA],
  fsd50k: [FSD50K_DEV, FSD50K_EVAL],
  folder: FOLDER_METADATA,
};

const READERS: Record<DatasetFormat, (root: string, options: ReaderOptions) => Promise<DatasetManifest>> = {
  desed: readDesed,
  esc50: readEsc50,
  urbansound8k: readUrbanSound8k,
  fsd50k: readFsd50k,
  folder: readFolder,
};

/** Folds exist only in these formats; elsewhere a test fold would be silently meaningless. */
const FOLD_FORMATS: readonly DatasetFormat[] = ['esc50', 'urbansound8k'];

async function requireDirectory(dir: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    throw new SedjouleError(
      'E_IO',
      `dataset folder ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`}`,
    );
  }
  if (!isDirectory) throw new SedjouleError('E_IO', `dataset folder ${dir}: is a file, not a folder`);
}

/**
 * The format whose marker files exist in `dir`. E_DATA when none matches (listing what was looked
 * for) or when several do (the caller must then say which); E_IO when `dir` is not a folder.
 */
export async function detectFormat(dir: string): Promise<DatasetFormat> {
  const root = path.resolve(dir);
  await requireDirectory(root);
  const matches: Array<{ format: DatasetFormat; marker: string }> = [];
  for (const format of DATASET_FORMATS) {
    for (const marker of FORMAT_MARKERS[format]) {
      if (await isFile(path.join(root, marker))) {
        matches.push({ format, marker });
        break;
      }
    }
  }
  if (matches.length === 1) return matches[0].format;
  if (matches.length > 1) {
    throw new SedjouleError(
      'E_DATA',
      `${root}: looks like several dataset formats (${matches.map((m) => `${m.format}: ${m.marker}`).join('; ')}); say which with the format option (--format)`,
    );
  }
  const lookedFor = DATASET_FORMATS.map((f) => `${f}: ${FORMAT_MARKERS[f].join(' or ')}`).join('; ');
  throw new SedjouleError('E_DATA', `${root}: no known dataset layout found; looked for ${lookedFor}`);
}

export interface ReadDatasetOptions extends ReaderOptions {
  /** Skip detection and read this format. */
  format?: DatasetFormat;
}

/** Reads a dataset folder into a manifest (problems collected, not thrown: see checkManifest). */
export async function readDataset(dir: string, options: ReadDatasetOptions = {}): Promise<DatasetManifest> {
  const root = path.resolve(dir);
  if (options.format !== undefined && !DATASET_FORMATS.includes(options.format)) {
    throw new SedjouleError('E_VALUE', `unknown dataset format '${String(options.format)}' (known: ${DATASET_FORMATS.join(', ')})`);
  }
  const format = options.format ?? (await detectFormat(root));
  if (options.format !== undefined) await requireDirectory(root);
  if (options.testFold !== undefined && !FOLD_FORMATS.includes(format)) {
    throw new SedjouleError(
      'E_VALUE',
      `a test fold applies to ${FOLD_FORMATS.join(' and ')} only; the ${format} set at ${root} has fixed splits`,
    );
  }
  return READERS[format](root, { testFold: options.testFold, classes: options.classes });
}
