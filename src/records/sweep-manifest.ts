/**
 * The results folder of a sweep, as written on disk:
 *
 *   <out>/sweep.json               the manifest: settings, run list with statuses, data, sessions
 *   <out>/runs/<stem>.json         one record per finished (configuration, repeat)
 *   <out>/checkpoints/<stem>.ckpt  the epoch checkpoint of a run in progress (and .progress.json)
 *
 * The manifest's format and the folder's layout live here, below the sweep that writes them
 * (src/experiment/sweep-folder.ts) and the reports that read them.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { runFileStem, type DataInfo, type FeaturePhase, type Provenance, type RunConfig, type RunRecord } from './run-record.js';

export const MANIFEST_FILE = 'sweep.json';
export const RUNS_DIR = 'runs';
export const CHECKPOINTS_DIR = 'checkpoints';

/** A shard of a sweep's run list (src/experiment/shard.ts): `index` is 1-based. */
export interface Shard {
  index: number;
  count: number;
}

/** The identity of a sweep: its settings keyed by command-line option names (src/experiment/sweep-plan.ts). */
export type SweepSettings = Record<string, unknown>;

/** A data set prepared for a sweep (per front end): its description and feature phase. */
export interface SweepDataRecord {
  info: DataInfo;
  features?: FeaturePhase;
  preparedAt: string;
}

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
  sweep: {
    id: string;
    index: number;
    runs: number;
    configuration: string;
    name: string;
    origin?: string;
    frontend: string;
    shard: Shard | null;
  };
};

export function manifestPath(out: string): string {
  return path.join(out, MANIFEST_FILE);
}

export function recordFile(key: string): string {
  return path.join(RUNS_DIR, `${runFileStem(key)}.json`);
}

export function readManifest(file: string): SweepManifest {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SedjouleError('E_IO', `cannot read the sweep manifest ${file}: ${(error as Error).message}`);
  }
  const m = value as Partial<SweepManifest> | null;
  if (!m || m.format !== 'sedjoule-sweep' || typeof m.id !== 'string' || !Array.isArray(m.runs) || !isObject(m.settings)) {
    throw new SedjouleError('E_DATA', `${file} is not a sedjoule sweep manifest (format 'sedjoule-sweep' with id, settings and runs)`);
  }
  const problem = manifestProblem(m);
  if (problem) throw new SedjouleError('E_DATA', `${file} is a damaged sweep manifest: ${problem}`);
  return m as SweepManifest;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a manifest that names itself one holds wrong, in the fields a resumed sweep carries on. */
function manifestProblem(m: Partial<SweepManifest>): string | undefined {
  const bad = m.runs!.findIndex((r) => !isObject(r) || typeof r.key !== 'string' || typeof r.status !== 'string');
  if (bad >= 0) return `runs[${bad}] must be an object with a key and a status`;
  if (
    m.shard !== undefined &&
    m.shard !== null &&
    !(isObject(m.shard) && Number.isInteger(m.shard.index) && Number.isInteger(m.shard.count))
  )
    return 'shard must be null or {index, count}';
  if (m.problems !== undefined && !(Array.isArray(m.problems) && m.problems.every((p) => typeof p === 'string')))
    return 'problems must be a list of strings';
  if (m.sessions !== undefined && !(Array.isArray(m.sessions) && m.sessions.every(isObject))) return 'sessions must be a list of objects';
  if (m.data !== undefined && !isObject(m.data)) return 'data must be an object';
  if (
    m.settings!.configurations !== undefined &&
    !(Array.isArray(m.settings!.configurations) && m.settings!.configurations.every(isObject))
  )
    return 'settings.configurations must be a list of objects';
  return undefined;
}
