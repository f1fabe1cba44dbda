/**
 * DESED / DCASE Task 4 layout (DESED_task recipes, default.yaml):
 *
 *   metadata/train/weak.tsv            filename<TAB>event_labels (comma-joined)   audio/train/weak/
 *   metadata/train/strong.tsv          filename<TAB>onset<TAB>offset<TAB>event_label
 *                                      audio/train/strong_label_real/, audio/train/strong/ or audio/train/weak/
 *   metadata/validation/validation.tsv strong, the test split                    audio/validation/
 *   metadata/validation/weak.tsv       weak, also accepted for the test split
 *   dataset.json                       optional {"classes": [...]} replacing the 10 DESED classes
 *
 * A strong row with empty onset/offset marks a clip without events (the baseline drops these
 * rows with dropna(); here they give an item with no labels, a negative example). When a clip is
 * in both a weak and a strong file, its weak labels must equal the set of its event labels.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SedjouleError } from '../../errors.js';
import { readCsv, requireColumns } from '../../util/csv.js';
import { DESED_CLASSES } from '../desed-classes.js';
import type { DatasetEvent, DatasetItem, DatasetManifest } from '../manifest.js';
import {
  AudioLookup,
  checkColumnCount,
  finishManifest,
  isFile,
  missingMetadata,
  parseNumber,
  ProblemLog,
  splitLabels,
  type ReaderOptions,
} from './common.js';

export { DESED_CLASSES } from '../desed-classes.js';

/** Metadata files of one split and where its audio may be. */
interface SplitLayout {
  split: string;
  weak: string[];
  strong: string[];
  audioDirs: string[];
}

const DESED_LAYOUT: readonly SplitLayout[] = [
  {
    split: 'train',
    weak: ['metadata/train/weak.tsv'],
    strong: ['metadata/train/strong.tsv'],
    audioDirs: ['audio/train/weak', 'audio/train/strong_label_real', 'audio/train/strong'],
  },
  {
    split: 'test',
    weak: ['metadata/validation/weak.tsv'],
    strong: ['metadata/validation/validation.tsv'],
    audioDirs: ['audio/validation'],
  },
];

/** Every metadata file whose presence marks a DESED set (for format detection). */
export const DESED_MARKERS: readonly string[] = DESED_LAYOUT.flatMap((l) => [...l.weak, ...l.strong]);

/** Classes from dataset.json when it lists them, else the DESED classes. */
async function desedClasses(root: string): Promise<string[]> {
  const file = path.join(root, 'dataset.json');
  if (!(await isFile(file))) return [...DESED_CLASSES];
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SedjouleError('E_DATA', `${file}: not valid JSON (${(error as Error).message})`);
  }
  const classes = (parsed as { classes?: unknown } | null)?.classes;
  if (classes === undefined) return [...DESED_CLASSES];
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string' && c.trim() !== '')) {
    throw new SedjouleError('E_DATA', `${file}: "classes" must be a non-empty array of class names`);
  }
  if (new Set(classes).size !== classes.length) throw new SedjouleError('E_DATA', `${file}: "classes" lists a class twice`);
  return classes as string[];
}

/** What the metadata says about one clip of a split. */
interface ClipEntry {
  weak?: string[];
  events?: DatasetEvent[];
  /** Metadata file and line first naming the clip, for problems found later (missing audio). */
  file: string;
  line: number;
}

export async function readDesed(root: string, options: ReaderOptions = {}): Promise<DatasetManifest> {
  const classes = await desedClasses(root);
  const known = new Set(classes);
  const log = new ProblemLog();
  const audio = new AudioLookup(root);
  const items: DatasetItem[] = [];
  let found = 0;

  for (const layout of DESED_LAYOUT) {
    const clips = new Map<string, ClipEntry>();
    const entry = (name: string, file: string, line: number): ClipEntry => {
      let clip = clips.get(name);
      if (!clip) {
        clip = { file, line };
        clips.set(name, clip);
      }
      return clip;
    };

    for (const relative of layout.weak) {
      const file = path.join(root, relative);
      if (!(await isFile(file))) continue;
      ++found;
      const table = await readCsv(file, { delimiter: '\t' });
      const column = requireColumns(table, file, ['filename', 'event_labels']);
      const seen = new Set<string>();
      for (const row of table.rows) {
        const name = row.fields[column.filename]?.trim() ?? '';
        if (!name) {
          log.add({ file, line: row.line, field: 'filename', message: 'empty file name' });
          continue;
        }
        // Duplicates are looked for before anything else, so a malformed first row still
        // counts as the first listing.
        if (seen.has(name)) {
          log.add({ file, line: row.line, field: 'filename', message: `'${name}' is listed twice` }, name);
          continue;
        }
        seen.add(name);
        if (!checkColumnCount(table, row, file, log, name)) continue;
        const labels = splitLabels(row.fields[column.event_labels], /,/);
        const unknown = labels.filter((l) => !known.has(l));
        if (unknown.length > 0) {
          log.add(
            {
              file,
              line: row.line,
              field: 'event_labels',
              message: `unknown class${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}`,
            },
            name,
          );
          continue;
        }
        entry(name, file, row.line).weak = labels;
      }
    }

    for (const relative of layout.strong) {
      const file = path.join(root, relative);
      if (!(await isFile(file))) continue;
      ++found;
      const table = await readCsv(file, { delimiter: '\t' });
      const column = requireColumns(table, file, ['filename', 'onset', 'offset', 'event_label']);
      for (const row of table.rows) {
        const name = row.fields[column.filename]?.trim() ?? '';
        if (!name) {
          log.add({ file, line: row.line, field: 'filename', message: 'empty file name' });
          continue;
        }
        // A clip without events may be written as the file name alone.
        if (row.fields.length === 1) {
          entry(name, file, row.line).events ??= [];
          continue;
        }
        if (!checkColumnCount(table, row, file, log, name)) continue;
        const onsetText = row.fields[column.onset].trim();
        const offsetText = row.fields[column.offset].trim();
        const label = row.fields[column.event_label].trim();
        const clip = entry(name, file, row.line);
        if (onsetText === '' && offsetText === '') {
          // pandas writes NaN as an empty field: the clip has no events (the label may be empty too).
          clip.events ??= [];
          continue;
        }
        const onset = parseNumber(onsetText);
        const offset = parseNumber(offsetText);
        if (onset === undefined || offset === undefined) {
          const field = onset === undefined ? 'onset' : 'offset';
          const text = onset === undefined ? onsetText : offsetText;
          log.add(
            {
              file,
              line: row.line,
              field,
              message: text === '' ? `${field} is empty while the other time is set` : `'${text}' is not a number of seconds`,
            },
            name,
          );
          continue;
        }
        if (onset < 0) {
          log.add({ file, line: row.line, field: 'onset', message: `onset ${onset} is negative` }, name);
          continue;
        }
        if (onset > offset) {
          log.add({ file, line: row.line, field: 'offset', message: `onset ${onset} is after offset ${offset}` }, name);
          continue;
        }
        if (!known.has(label)) {
          log.add(
            {
              file,
              line: row.line,
              field: 'event_label',
              message: label === '' ? 'empty event label for a timed event' : `unknown class '${label}'`,
            },
            name,
          );
          continue;
        }
        (clip.events ??= []).push({ onset, offset, label });
      }
    }

    const dirs = layout.audioDirs.map((d) => path.join(root, d));
    for (const [name, clip] of clips) {
      if (log.isBad(name)) continue;
      const events = clip.events?.sort((a, b) => a.onset - b.onset || a.offset - b.offset);
      const strongLabels = events ? classes.filter((c) => events.some((e) => e.label === c)) : undefined;
      if (clip.weak && strongLabels) {
        const weak = classes.filter((c) => clip.weak?.includes(c));
        if (weak.join(',') !== strongLabels.join(',')) {
          log.add({
            file: clip.file,
            line: clip.line,
            field: 'event_labels',
            message: `weak labels [${weak.join(', ')}] differ from the strong labels' classes [${strongLabels.join(', ')}]`,
          });
          continue;
        }
      }
      const found = await audio.locate(dirs, name);
      if ('problem' in found) {
        log.add({ file: clip.file, line: clip.line, field: 'filename', message: found.problem });
        continue;
      }
      const labels = strongLabels ?? classes.filter((c) => clip.weak?.includes(c));
      const item: DatasetItem = { path: found.path, labels, split: layout.split };
      if (events) item.events = events;
      items.push(item);
    }
  }

  if (found === 0) throw missingMetadata('desed', root, [...DESED_MARKERS]);
  return finishManifest('desed', root, classes, items, log.problems, options, false);
}
