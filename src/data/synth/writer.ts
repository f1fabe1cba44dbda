/**
 * Writes a synthetic DESED-layout dataset:
 *
 *   out/audio/train/weak/<name>.wav              16-bit PCM mono clips of the training split
 *   out/audio/validation/<name>.wav              clips of the test (validation) split
 *   out/metadata/train/weak.tsv                  filename, event_labels (comma-joined)
 *   out/metadata/train/strong.tsv                filename, onset, offset, event_label
 *   out/metadata/validation/validation.tsv       strong labels of the test split
 *   out/metadata/validation/weak.tsv             weak labels of the test split
 *   out/metadata/validation/validation_durations.tsv   filename, duration
 *   out/dataset.json                             what made it; written last
 *
 * Every file goes to a temporary name and is renamed into place. dataset.json is removed first and
 * written last, so a folder holding it is complete; an interrupted run leaves no dataset.json and
 * a rerun overwrites everything. A clip depends only on (seed, split, index), so the same options
 * give byte-identical files whatever the order of work.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SedjouleError } from '../../errors.js';
import { encodeWav } from '../audio/wav.js';
import { DESED_CLASSES, type DesedClass } from './classes.js';
import { EVENT_FADE_S, LEVEL_BLOCK_S, LEVEL_GATE_DB, toDb } from './dsp.js';
import { weakLabels, type StrongLabel } from './labels.js';
import { renderSoundscape } from './mix.js';
import { planSoundscape } from './plan.js';
import { clipSeed, type SynthSplit } from './seeds.js';
import { resolveSettings, type SynthSettings } from './settings.js';

export interface SynthOptions {
  /** Output folder (created if missing). */
  out: string;
  /** Training clips (default 1578, the size of DESED's weak set). */
  trainClips?: number;
  /** Test clips, written as the validation split (default ceil(trainClips / 4)). */
  testClips?: number;
  seed: number;
  sampleRate?: number;
  durationS?: number;
  /** Overrides of the recipe's numbers (settings.ts); recorded in dataset.json. */
  settings?: Partial<SynthSettings>;
  /** Called after each clip is written. */
  progress?: (done: number, total: number) => void;
}

export interface SynthClassCount {
  /** Clips whose weak labels include the class. */
  clips: number;
  /** Strong labels of the class (after merging). */
  events: number;
}

export type SynthClassCounts = Record<SynthSplit, Record<DesedClass, SynthClassCount>>;

export interface SynthReport {
  out: string;
  seed: number;
  sampleRate: number;
  durationS: number;
  trainClips: number;
  testClips: number;
  classCounts: SynthClassCounts;
  /** Strong labels written, both splits. */
  events: number;
  /** Clips scaled down for the peak ceiling, and the smallest such gain in dB (0 when none). */
  peakScaledClips: number;
  minPeakGainDb: number;
  /** Clips whose plan was redrawn at least once for the polyphony limit. */
  redrawnClips: number;
  files: number;
  bytes: number;
  /** Time spent planning, rendering and encoding clips (no file I/O), total and per clip. */
  renderMs: number;
  msPerClip: number;
  elapsedMs: number;
}

const SYNTH_GENERATOR = 'sedjoule-synth';
const SYNTH_VERSION = 1;
const DEFAULT_TRAIN_CLIPS = 1578;

/** Paths inside the output folder, as the DESED reader expects them. */
export const SYNTH_LAYOUT = {
  trainAudio: 'audio/train/weak',
  validationAudio: 'audio/validation',
  trainWeak: 'metadata/train/weak.tsv',
  trainStrong: 'metadata/train/strong.tsv',
  validationStrong: 'metadata/validation/validation.tsv',
  validationWeak: 'metadata/validation/weak.tsv',
  validationDurations: 'metadata/validation/validation_durations.tsv',
  dataset: 'dataset.json',
} as const;

const CLIP_NAME = /^synth_(train|validation)_\d+\.wav$/;
/** How many clip files may be in flight while the next clip renders. */
const WRITE_WINDOW = 8;

export function clipName(split: SynthSplit, index: number): string {
  return `synth_${split}_${String(index).padStart(5, '0')}.wav`;
}

interface ClipRecord {
  name: string;
  labels: StrongLabel[];
}

export async function synthesize(options: SynthOptions): Promise<SynthReport> {
  const started = performance.now();
  const { out, seed } = options;
  if (typeof out !== 'string' || out === '') throw new SedjouleError('E_VALUE', 'synthesize: out must be a folder path');
  if (!Number.isSafeInteger(seed)) throw new SedjouleError('E_VALUE', `synthesize: seed must be a safe integer, got ${String(seed)}`);
  const trainClips = options.trainClips ?? DEFAULT_TRAIN_CLIPS;
  const testClips = options.testClips ?? Math.ceil(trainClips / 4);
  const sampleRate = options.sampleRate ?? 16000;
  const durationS = options.durationS ?? 10;
  for (const [name, value] of [
    ['trainClips', trainClips],
    ['testClips', testClips],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new SedjouleError('E_VALUE', `synthesize: ${name} must be a non-negative integer, got ${value}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192000) {
    throw new SedjouleError('E_VALUE', `synthesize: sampleRate must be an integer from 8000 to 192000 Hz, got ${sampleRate}`);
  }
  if (!Number.isFinite(durationS) || durationS < 1 || durationS > 600) {
    throw new SedjouleError('E_VALUE', `synthesize: durationS must be from 1 to 600 seconds, got ${durationS}`);
  }
  const settings = resolveSettings(options.settings);
  const root = path.resolve(out);
  const at = (relative: string): string => path.join(root, relative);

  // The completion marker goes first, so from here until the end the folder reads as unfinished.
  await io(at(SYNTH_LAYOUT.dataset), () => fs.rm(at(SYNTH_LAYOUT.dataset), { force: true }));
  for (const dir of [SYNTH_LAYOUT.trainAudio, SYNTH_LAYOUT.validationAudio, 'metadata/train', 'metadata/validation']) {
    await io(at(dir), () => fs.mkdir(at(dir), { recursive: true }));
  }
  const splits: { split: SynthSplit; count: number; dir: string }[] = [
    { split: 'train', count: trainClips, dir: SYNTH_LAYOUT.trainAudio },
    { split: 'validation', count: testClips, dir: SYNTH_LAYOUT.validationAudio },
  ];
  for (const { split, count, dir } of splits) await removeStale(at(dir), split, count);
  for (const dir of ['metadata/train', 'metadata/validation', '.']) await removeTemporaries(at(dir));

  const total = trainClips + testClips;
  const records: Record<SynthSplit, ClipRecord[]> = { train: [], validation: [] };
  let done = 0;
  let bytes = 0;
  let files = 0;
  let renderMs = 0;
  let peakScaledClips = 0;
  let minPeakGain = 1;
  let redrawnClips = 0;
  const pending = new Set<Promise<void>>();
  // A failed write is kept and rethrown once the writes in flight have settled, so none of them
  // rejects unobserved.
  let failure: unknown;
  for (const { split, count, dir } of splits) {
    for (let index = 0; index < count; ++index) {
      const t0 = performance.now();
      const plan = planSoundscape(clipSeed(seed, split, index), sampleRate, durationS, settings);
      const { audio, peakGain } = renderSoundscape(plan, settings.peakCeilingDb);
      const wav = encodeWav([audio], sampleRate, 'pcm16');
      renderMs += performance.now() - t0;
      if (peakGain < 1) ++peakScaledClips;
      minPeakGain = Math.min(minPeakGain, peakGain);
      if (plan.attempts > 1) ++redrawnClips;
      const name = clipName(split, index);
      records[split].push({ name, labels: plan.labels });
      const write: Promise<void> = writeAtomic(at(path.join(dir, name)), wav)
        .then(() => {
          bytes += wav.length;
          ++files;
          // A throwing callback (a cancelled run) stops the run like a failed write.
          options.progress?.(++done, total);
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => pending.delete(write));
      pending.add(write);
      if (pending.size >= WRITE_WINDOW) await Promise.race(pending);
      if (failure !== undefined) break;
    }
    if (failure !== undefined) break;
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;

  const tables: [string, string][] = [
    [SYNTH_LAYOUT.trainWeak, weakTsv(records.train)],
    [SYNTH_LAYOUT.trainStrong, strongTsv(records.train)],
    [SYNTH_LAYOUT.validationStrong, strongTsv(records.validation)],
    [SYNTH_LAYOUT.validationWeak, weakTsv(records.validation)],
    [SYNTH_LAYOUT.validationDurations, durationsTsv(records.validation, durationS)],
  ];
  for (const [relative, text] of tables) {
    const data = Buffer.from(text, 'utf8');
    await writeAtomic(at(relative), data);
    bytes += data.length;
    ++files;
  }

  const classCounts = { train: countClasses(records.train), validation: countClasses(records.validation) };
  const dataset = {
    generator: SYNTH_GENERATOR,
    version: SYNTH_VERSION,
    seed,
    sampleRate,
    durationS,
    classes: [...DESED_CLASSES],
    trainClips,
    testClips,
    settings: {
      ...settings,
      fadeS: EVENT_FADE_S,
      levelMeasure: `gated RMS in dBFS (full scale 1.0): ${LEVEL_BLOCK_S * 1000} ms blocks, blocks more than ${-LEVEL_GATE_DB} dB below the mean block power ignored`,
      peakHandling: `clips whose float peak exceeds ${settings.peakCeilingDb} dBFS are scaled as a whole to that peak; SNRs are unchanged`,
      wavFormat: 'pcm16',
    },
    layout: SYNTH_LAYOUT,
    classCounts,
  };
  // Last: its presence says every file above is complete.
  const json = Buffer.from(`${JSON.stringify(dataset, null, 2)}\n`, 'utf8');
  await writeAtomic(at(SYNTH_LAYOUT.dataset), json);
  bytes += json.length;
  ++files;

  const events = [...records.train, ...records.validation].reduce((sum, r) => sum + r.labels.length, 0);
  return {
    out: root,
    seed,
    sampleRate,
    durationS,
    trainClips,
    testClips,
    classCounts,
    events,
    peakScaledClips,
    minPeakGainDb: minPeakGain < 1 ? toDb(minPeakGain) : 0,
    redrawnClips,
    files,
    bytes,
    renderMs,
    msPerClip: total > 0 ? renderMs / total : 0,
    elapsedMs: performance.now() - started,
  };
}

function weakTsv(records: readonly ClipRecord[]): string {
  const rows = records.map((r) => `${r.name}\t${weakLabels(r.labels).join(',')}\n`);
  return `filename\tevent_labels\n${rows.join('')}`;
}

function strongTsv(records: readonly ClipRecord[]): string {
  const rows = records.flatMap((r) => r.labels.map((l) => `${r.name}\t${l.onset.toFixed(3)}\t${l.offset.toFixed(3)}\t${l.label}\n`));
  return `filename\tonset\toffset\tevent_label\n${rows.join('')}`;
}

function durationsTsv(records: readonly ClipRecord[], durationS: number): string {
  return `filename\tduration\n${records.map((r) => `${r.name}\t${durationS.toFixed(3)}\n`).join('')}`;
}

function countClasses(records: readonly ClipRecord[]): Record<DesedClass, SynthClassCount> {
  const counts = Object.fromEntries(DESED_CLASSES.map((c) => [c, { clips: 0, events: 0 }])) as Record<DesedClass, SynthClassCount>;
  for (const r of records) {
    for (const l of r.labels) ++counts[l.label].events;
    for (const c of weakLabels(r.labels)) ++counts[c].clips;
  }
  return counts;
}

/** Deletes clips of an earlier, larger run and temporary files of an interrupted one. */
async function removeStale(dir: string, split: SynthSplit, count: number): Promise<void> {
  const names = await io(dir, () => fs.readdir(dir));
  for (const name of names) {
    const temporary = /\.tmp-\d+$/.test(name) && CLIP_NAME.test(name.replace(/\.tmp-\d+$/, ''));
    const match = CLIP_NAME.exec(name);
    const stale = match !== null && (match[1] !== split || Number(name.slice(`synth_${split}_`.length, -4)) >= count);
    if (temporary || stale) await io(path.join(dir, name), () => fs.rm(path.join(dir, name), { force: true }));
  }
}

/** Deletes `*.tmp-<pid>` files an interrupted run left beside the tables and dataset.json. */
async function removeTemporaries(dir: string): Promise<void> {
  const known = new Set(Object.values(SYNTH_LAYOUT).map((p) => path.basename(p)));
  for (const name of await io(dir, () => fs.readdir(dir))) {
    const base = name.replace(/\.tmp-\d+$/, '');
    if (base !== name && known.has(base)) await io(path.join(dir, name), () => fs.rm(path.join(dir, name), { force: true }));
  }
}

async function writeAtomic(target: string, data: Uint8Array): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}`;
  await io(target, async () => {
    await fs.writeFile(temporary, data);
    await fs.rename(temporary, target);
  });
}

async function io<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // Node's message repeats the path; its code says what went wrong.
    throw new SedjouleError('E_IO', `synthesize: ${where}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
