/**
 * The results folder of a sweep:
 *
 *   <out>/sweep.json               the manifest: settings, run list with statuses, data, sessions
 *   <out>/runs/<stem>.json         one record per finished (configuration, repeat)
 *   <out>/checkpoints/<stem>.ckpt  the epoch checkpoint of a run in progress (and .progress.json)
 *
 * Every file is written to a temporary name and renamed, so a record that exists is complete: a
 * record file that parses, names its run and its sweep is a finished run. This module reads and
 * writes these files and decides whether a folder may be written: a folder holding a sweep is
 * continued only with --resume, and only when its settings are this sweep's.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import type { Provenance } from './provenance.js';
import { runFileStem, type RunConfig, type RunRecord } from './run.js';
import type { SweepDataRecord } from './sweep-data.js';
import { settingsDiff, type SweepSettings } from './sweep-plan.js';
import { shardText, type Shard } from './shard.js';

export const MANIFEST_FILE = 'sweep.json';
export const RUNS_DIR = 'runs';
export const CHECKPOINTS_DIR = 'checkpoints';

export type RunStatus = 'pending' | 'running' | 'done' | 'failed' | 'other-shard' | 'missing';
export type SweepStatus = 'planned' | 'running' | 'finished' | 'incomplete' | 'interrupted' | 'failed';

export interface ManifestRun {
  index: number;
  key: string;
  configuration: string;
  name: string;
  origin?: string;
  frontend: string;
  repeat: number;
  seed: number;
  config: RunConfig;
  params: number;
  /** The checks' estimate, bytes. */
  memoryBytes: number;
  status: RunStatus;
  /** Relative to the folder. */
  record: string;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface SweepSession {
  startedAt: string;
  finishedAt?: string;
  /** How the session ended: finished, or the signal that stopped it. */
  end?: string;
  resumed: boolean;
  shard: Shard | null;
  ran: number;
  skipped: number;
  failed: number;
  provenance: Provenance;
}

export interface SweepManifest {
  format: 'sedjoule-sweep';
  version: 1;
  id: string;
  status: SweepStatus;
  settings: SweepSettings;
  shard: Shard | null;
  source: { preset?: string; grid?: string };
  cooldownSeconds: number;
  createdAt: string;
  updatedAt: string;
  counts: { runs: number; inShard: number; done: number; failed: number; pending: number; missing: number };
  runs: ManifestRun[];
  /** Each prepared data set (per front end): its description and feature phase. */
  data: Record<string, SweepDataRecord>;
  /** Things found and dealt with: corrupt records moved aside and redone, stale temporary files. */
  problems: string[];
  /** Every process that worked on this folder, with where it ran (CPU, GPUs, versions, commit). */
  sessions: SweepSession[];
  /** Folders merged into this one (sedjoule merge). */
  merged?: Array<{ folder: string; shard: Shard | null; records: number }>;
}

/** A record as a sweep writes it: what runExperiment returned, plus where it belongs. */
export type SweepRecord = RunRecord & {
  sweep: { id: string; index: number; runs: number; configuration: string; name: string; origin?: string; frontend: string; shard: Shard | null };
};

export function manifestPath(out: string): string {
  return path.join(out, MANIFEST_FILE);
}

export function recordFile(key: string): string {
  return path.join(RUNS_DIR, `${runFileStem(key)}.json`);
}

export function countRuns(runs: ManifestRun[]): SweepManifest['counts'] {
  const n = (s: RunStatus) => runs.filter((r) => r.status === s).length;
  return { runs: runs.length, inShard: runs.length - n('other-shard'), done: n('done'), failed: n('failed'), pending: n('pending') + n('running'), missing: n('missing') };
}

export function writeManifest(out: string, manifest: SweepManifest): void {
  manifest.updatedAt = new Date().toISOString();
  manifest.counts = countRuns(manifest.runs);
  writeJsonAtomic(manifestPath(out), manifest);
}

export function readManifest(file: string): SweepManifest {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SedjouleError('E_IO', `cannot read the sweep manifest ${file}: ${(error as Error).message}`);
  }
  const m = value as Partial<SweepManifest> | null;
  if (!m || m.format !== 'sedjoule-sweep' || typeof m.id !== 'string' || !Array.isArray(m.runs) || typeof m.settings !== 'object') {
    throw new SedjouleError('E_DATA', `${file} is not a sedjoule sweep manifest (format 'sedjoule-sweep' with id, settings and runs)`);
  }
  return m as SweepManifest;
}

export type RecordState = { state: 'done'; record: SweepRecord } | { state: 'absent' } | { state: 'corrupt'; reason: string };

/** A record file is a finished run when it parses and names this run of this sweep. */
export function readRecord(file: string, key: string, sweepId: string): RecordState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'corrupt', reason: `unreadable: ${(error as Error).message}` };
  }
  let record: SweepRecord;
  try {
    record = JSON.parse(text) as SweepRecord;
  } catch (error) {
    return { state: 'corrupt', reason: `not JSON: ${(error as Error).message.replace(/\s+/g, ' ')}` };
  }
  if (!record || record.format !== 'sedjoule-run') return { state: 'corrupt', reason: "not a run record (format is not 'sedjoule-run')" };
  if (record.key !== key) return { state: 'corrupt', reason: `holds run ${JSON.stringify(record.key)}, not ${key}` };
  if (record.sweep?.id !== sweepId) return { state: 'corrupt', reason: `belongs to sweep ${JSON.stringify(record.sweep?.id)}, not ${sweepId}` };
  return { state: 'done', record };
}

/** Record files in a folder's runs/, temporary files left by a killed writer excluded. */
export function recordFiles(out: string): string[] {
  const dir = path.join(out, RUNS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.includes('.tmp-'))
    .sort()
    .map((name) => path.join(RUNS_DIR, name));
}

/**
 * Whether this sweep may write into `out`; the folder's manifest when it holds this sweep. A folder
 * holding a sweep (or records without a manifest) is refused without --resume; with --resume it
 * must hold this sweep, with the same settings and shard, and the message names what differs.
 */
export function claimFolder(out: string, id: string, settings: SweepSettings, shard: Shard | null, resume: boolean): SweepManifest | undefined {
  const file = manifestPath(out);
  const existing = fs.existsSync(file) ? readManifest(file) : undefined;
  if (!existing) {
    const records = recordFiles(out);
    if (records.length && !resume) {
      throw new SedjouleError('E_USAGE', `${out} holds ${records.length} run record(s) of a sweep without ${MANIFEST_FILE}; continue it with --resume, or choose another --out`);
    }
    return undefined;
  }
  if (!resume) {
    const done = existing.runs.filter((r) => r.status === 'done').length;
    throw new SedjouleError(
      'E_USAGE',
      `${out} already holds sweep ${existing.id} (${done} of ${existing.runs.length} runs done); continue it with --resume, or choose another --out`,
    );
  }
  const differences = settingsDiff(settings, existing.settings, file);
  if (existing.id !== id && differences.length === 0) differences.push(`sweep id: ${id} here, ${existing.id} in ${file}`);
  if (shardText(shard) !== shardText(existing.shard)) differences.push(`--shard: ${shardText(shard)} here, ${shardText(existing.shard)} in ${file}`);
  if (differences.length) {
    throw new SedjouleError('E_USAGE', `--resume: the settings differ from ${file}:\n  ${differences.join('\n  ')}\nresume with the settings of that sweep, or choose another --out`);
  }
  return existing;
}
