/**
 * What a sweep is: its configurations (from a preset or a grid file), the protocol every run
 * follows, the data and energy settings, and from these the ordered list of runs, one per
 * (configuration, repeat). The settings that decide what a record contains are gathered into one
 * flat object keyed by the command line's option names: it is stored in sweep.json, compared on
 * --resume and by merge (so a difference can be named the way the user would type it), and
 * hashed into the sweep id, which shards of one sweep therefore share.
 */
import crypto from 'node:crypto';
import path from 'node:path';

import type { EnergySettings } from '../energy/settings.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { describeModelRef, presetNamed, type ModelRef } from '../models/presets.js';
import type { DataSettings } from './data.js';
import { runKey, type Phase, type RunConfig } from '../records/run-record.js';
import type { SweepSettings } from '../records/sweep-manifest.js';
import type { Device } from '../ledger.js';

export interface SweepConfiguration {
  /** Unique in the sweep: "paper43:7", "dcase-crnn", "grid:3". */
  id: string;
  name: string;
  model: ModelRef;
  frontend: FrontendPreset;
  /** Where it was defined, for messages ("entry 3 of grid.json"); not part of the sweep's identity. */
  origin?: string;
}

export interface SweepProtocol {
  phases: Phase[];
  repeat: number;
  epochs: number;
  batchSize: number;
  lr: number;
  runPasses: number;
  runBatch: number;
  threads: number;
  /** Where the models' kernels run (absent: cpu). */
  device?: Device;
  /** Repeat r of every configuration uses seed + r; the data always uses this seed. */
  seed: number;
}

export interface SweepDefinition {
  configurations: SweepConfiguration[];
  protocol: SweepProtocol;
  /** Data settings shared by every run; the front end is each configuration's. */
  data: DataSettings;
  energy: EnergySettings;
}

export interface PlannedRun {
  /** 0-based position in the full run list (every shard). */
  index: number;
  key: string;
  configuration: SweepConfiguration;
  config: RunConfig;
}

/** Every entry of a preset, on `frontend` when given, else on the front end it was defined for. */
export function presetConfigurations(name: string, frontend?: FrontendPreset): SweepConfiguration[] {
  return presetNamed(name).entries.map((entry) => ({
    id: entry.id,
    name: entry.name,
    model: entry.model,
    frontend: frontend ?? entry.frontend,
  }));
}

export function configurationOf(id: string, model: ModelRef, frontend: FrontendPreset): SweepConfiguration {
  return { id, name: describeModelRef(model), model, frontend };
}

export function sweepSettings(def: SweepDefinition): SweepSettings {
  const p = def.protocol,
    d = def.data,
    e = def.energy;
  // The cache folder, progress and the data's thread count change where and how fast, not what a
  // record says, so they are left out: shards on different machines may differ in them.
  return {
    configurations: def.configurations.map(({ id, model, frontend }) => ({ id, model, frontend })),
    phases: p.phases.join(','),
    repeat: p.repeat,
    epochs: p.epochs,
    batch: p.batchSize,
    lr: p.lr,
    'run-passes': p.runPasses,
    'run-batch': p.runBatch,
    threads: p.threads,
    device: p.device ?? 'cpu',
    seed: p.seed,
    data: d.data === undefined || d.data === 'random' ? (d.data ?? null) : path.resolve(d.data),
    format: d.format ?? null,
    'test-fold': d.testFold ?? null,
    'skip-bad': d.skipBad,
    channel: d.channel,
    clips: d.trainClips,
    'test-clips': d.testClips,
    input: d.randomInputShape.join(','),
    classes: d.randomClasses,
    energy: e.enabled,
    idle: e.idleSeconds,
    'sample-ms': e.meter.periodMs ?? null,
    nvml: e.meter.nvml ?? null,
    rapl: e.meter.rapl ?? null,
    'cpu-tdp': e.meter.cpuTdpWatts ?? null,
    'cpu-cores': e.meter.cpuCores ?? null,
    'carbon-intensity': e.meter.carbon?.intensityGPerKWh ?? null,
    pue: e.meter.carbon?.pue ?? null,
  };
}

/** A short hash of the settings: equal settings, equal id, on any machine. */
export function sweepId(settings: SweepSettings): string {
  return crypto.createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12);
}

/** "epochs: 2 here, 1 in sweep.json" for each setting that differs; empty when they agree. */
export function settingsDiff(ours: SweepSettings, theirs: SweepSettings, theirName: string): string[] {
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])];
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));
  const out: string[] = [];
  for (const key of keys) {
    if (JSON.stringify(ours[key]) === JSON.stringify(theirs[key])) continue;
    if (key === 'configurations') {
      out.push(
        `configurations: ${configurationsDiff(ours[key] as ConfigurationSetting[], (theirs[key] ?? []) as ConfigurationSetting[], theirName)}`,
      );
    } else {
      out.push(`--${key}: ${show(ours[key])} here, ${show(theirs[key])} in ${theirName}`);
    }
  }
  return out;
}

type ConfigurationSetting = Pick<SweepConfiguration, 'id' | 'model' | 'frontend'>;

function configurationsDiff(ours: ConfigurationSetting[], theirs: ConfigurationSetting[], theirName: string): string {
  if (ours.length !== theirs.length) return `${ours.length} here, ${theirs.length} in ${theirName}`;
  const first = ours.findIndex((c, i) => JSON.stringify(c) !== JSON.stringify(theirs[i]));
  const a = ours[first],
    b = theirs[first];
  // The other side comes from a file that may be damaged: a model that is not a model reference is shown as it is.
  const text = (c: ConfigurationSetting) => {
    const model = c.model as { kind?: unknown; config?: unknown } | undefined;
    const readable =
      model?.kind === 'dcase-crnn' ||
      (model?.kind === 'onnx' && typeof (model as { path?: unknown }).path === 'string') ||
      (model?.kind === 'family' && typeof model.config === 'object' && model.config !== null);
    // Two versions of one ONNX file differ only in their hash.
    const hash = c.model?.kind === 'onnx' && c.model.sha256 ? ` (sha256 ${c.model.sha256.slice(0, 12)})` : '';
    return `${c.id} ${readable ? describeModelRef(c.model) : (JSON.stringify(c.model) ?? 'no model')}${hash} on ${c.frontend}`;
  };
  return `the ${first + 1}${ordinal(first + 1)} is ${text(a)} here, ${text(b)} in ${theirName}`;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/**
 * The full run list, repeat-major: every configuration once (repeat 0), then every configuration
 * again. Drift over a long sweep (temperature, other tenants, the time of day) then spreads over
 * all configurations instead of biasing one configuration's repeats, and a sweep stopped early
 * has measured every configuration before it measures any twice.
 */
export function planRuns(def: SweepDefinition): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const p = def.protocol;
  for (let repeat = 0; repeat < p.repeat; ++repeat) {
    for (const configuration of def.configurations) {
      const config: RunConfig = {
        id: configuration.id,
        model: configuration.model,
        phases: p.phases,
        epochs: p.epochs,
        batchSize: p.batchSize,
        lr: p.lr,
        seed: p.seed + repeat,
        repeat,
        runPasses: p.runPasses,
        runBatch: p.runBatch,
        threads: p.threads,
        device: p.device,
      };
      runs.push({ index: runs.length, key: runKey(config), configuration, config });
    }
  }
  return runs;
}
