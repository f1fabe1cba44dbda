/**
 * A sweep: every run of a plan (one per configuration and repeat, or this shard's share), each a
 * runExperiment on data prepared once per front end, with a cool-down between runs so power
 * returns to idle before the next run measures its baseline. Each record is written atomically
 * the moment its run ends, and the manifest after every change of state, so a sweep stopped at
 * any point (Ctrl-C, kill -9, a Slurm time limit) loses at most the run in progress, and that run
 * continues from its last epoch checkpoint when the sweep is resumed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { SedjouleError, errorCode } from '../errors.js';
import { ProgressBar } from '../format/progress.js';
import { ensureFolder, writeJsonAtomic } from '../util/atomic.js';
import { moveAside } from '../util/move-aside.js';
import { readFolder } from '../util/read-folder.js';
import type { PreparedData } from './data.js';
import { provenance } from './provenance.js';
import { runExperiment } from './run.js';
import { checkConfigurations, checkProtocol, type ConfigurationCheck } from './sweep-check.js';
import { dataSettingsFor, shapeOf, SweepData } from './sweep-data.js';
import { claimFolder, countRuns, readRecord, writeManifest } from './sweep-folder.js';
import { planRuns, sweepId, sweepSettings, type PlannedRun, type SweepDefinition } from './sweep-plan.js';
import { inShard } from './shard.js';
import {
  CHECKPOINTS_DIR,
  recordFile,
  type ManifestRun,
  type Shard,
  type SweepManifest,
  type SweepRecord,
  type SweepSession,
  type SweepSettings,
} from '../records/sweep-manifest.js';

export interface SweepPlan {
  definition: SweepDefinition;
  settings: SweepSettings;
  id: string;
  /** The full run list, every shard's. */
  runs: PlannedRun[];
  checks: Map<string, ConfigurationCheck>;
  data: SweepData;
}

/** Checks everything (protocol, every configuration's shapes and memory) and lists the runs; runs nothing. */
export async function planSweep(definition: SweepDefinition): Promise<SweepPlan> {
  checkProtocol(definition.protocol);
  const data = new SweepData(definition.energy);
  const checks = await checkConfigurations(definition, data);
  const settings = sweepSettings(definition);
  return { definition, settings, id: sweepId(settings), runs: planRuns(definition), checks, data };
}

export interface SweepOptions {
  /** The results folder; only a dry run may go without one. */
  out?: string;
  shard: Shard | null;
  resume: boolean;
  cooldownSeconds: number;
  /** Progress bars and notes on stderr (bars only on a terminal). */
  progress: boolean;
  /** Recorded in the manifest: where the configurations came from. */
  source: SweepManifest['source'];
  /** Open the folder and report what would run, writing and moving nothing. */
  dryRun?: boolean;
}

export class Sweep {
  private readonly manifest: SweepManifest;
  private readonly session: SweepSession;
  private readonly corrupt: Array<{ run: ManifestRun; reason: string }> = [];
  private current: ManifestRun | undefined;

  private constructor(
    readonly plan: SweepPlan,
    readonly options: SweepOptions,
    existing: SweepManifest | undefined,
  ) {
    const now = new Date().toISOString();
    this.session = {
      startedAt: now,
      resumed: Boolean(existing),
      shard: options.shard,
      ran: 0,
      skipped: 0,
      failed: 0,
      provenance: provenance(),
    };
    this.manifest = {
      format: 'sedjoule-sweep',
      version: 1,
      id: plan.id,
      status: options.dryRun ? 'planned' : 'running',
      settings: plan.settings,
      shard: options.shard,
      source: options.source,
      cooldownSeconds: options.cooldownSeconds,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      counts: { runs: 0, inShard: 0, done: 0, failed: 0, pending: 0, missing: 0 },
      runs: plan.runs.map((run) => this.manifestRun(run)),
      data: existing?.data ?? {},
      problems: existing?.problems ?? [],
      sessions: [...(existing?.sessions ?? []), this.session],
      ...(existing?.merged ? { merged: existing.merged } : {}),
    };
  }

  /**
   * Claims the folder (refusing another sweep's, or this one's without --resume) and finds which
   * runs are finished. Writes the manifest unless it is a dry run.
   */
  static open(plan: SweepPlan, options: SweepOptions): Sweep {
    if (!(options.cooldownSeconds >= 0 && Number.isFinite(options.cooldownSeconds))) {
      throw new SedjouleError('E_USAGE', `--cooldown must be a number of seconds >= 0, got ${options.cooldownSeconds}`);
    }
    if (!options.out && !options.dryRun) throw new SedjouleError('E_USAGE', 'name the results folder with --out');
    const existing = options.out ? claimFolder(options.out, plan.id, plan.settings, options.shard, options.resume) : undefined;
    const sweep = new Sweep(plan, options, existing);
    sweep.scan();
    if (!options.dryRun) sweep.prepareFolder();
    return sweep;
  }

  get id(): string {
    return this.plan.id;
  }

  /** The manifest as it stands (a copy). */
  snapshot(): SweepManifest {
    return structuredClone({ ...this.manifest, counts: countRuns(this.manifest.runs) });
  }

  private manifestRun(run: PlannedRun): ManifestRun {
    const check = this.plan.checks.get(run.configuration.id)!;
    return {
      index: run.index,
      key: run.key,
      configuration: run.configuration.id,
      name: run.configuration.name,
      ...(run.configuration.origin ? { origin: run.configuration.origin } : {}),
      frontend: this.plan.definition.data.data === 'random' ? 'none (random set)' : run.configuration.frontend,
      repeat: run.config.repeat,
      seed: run.config.seed,
      config: run.config,
      params: check.params,
      memoryBytes: check.memory.bytes,
      status: inShard(run.index, this.options.shard) ? 'pending' : 'other-shard',
      record: recordFile(run.key),
    };
  }

  /** A record file that parses and names its run and sweep is finished; anything else is redone. */
  private scan(): void {
    if (!this.options.out) return;
    for (const run of this.manifest.runs) {
      if (run.status === 'other-shard') continue;
      const found = readRecord(path.join(this.options.out, run.record), run.key, this.id);
      if (found.state === 'done') {
        run.status = 'done';
        run.startedAt = found.record.startedAt;
        run.finishedAt = found.record.finishedAt;
      } else if (found.state === 'corrupt') {
        this.corrupt.push({ run, reason: found.reason });
      }
    }
    this.session.skipped = this.manifest.runs.filter((r) => r.status === 'done').length;
  }

  /** Runs this session would do, in order. */
  todo(): ManifestRun[] {
    return this.manifest.runs.filter((r) => r.status === 'pending' || r.status === 'failed' || r.status === 'running');
  }

  /** Corrupt records found: reported, and moved aside (never deleted) when the sweep runs. */
  corruptRecords(): Array<{ key: string; file: string; reason: string }> {
    return this.corrupt.map(({ run, reason }) => ({ key: run.key, file: path.join(this.out, run.record), reason }));
  }

  private note(line: string): void {
    if (this.options.progress) process.stderr.write(`${line}\n`);
  }

  /** Something found and dealt with (a damaged file set aside): kept in the manifest, and always said on stderr. */
  private problem(line: string): void {
    this.manifest.problems.push(line);
    process.stderr.write(`sweep: ${line}\n`);
  }

  private get out(): string {
    if (!this.options.out) throw new SedjouleError('E_USAGE', 'name the results folder with --out');
    return this.options.out;
  }

  private prepareFolder(): void {
    const out = this.out;
    ensureFolder(path.join(out, 'runs'), 'results folder');
    ensureFolder(path.join(out, CHECKPOINTS_DIR), 'results folder');
    for (const { run, reason } of this.corrupt) {
      const aside = moveAside(path.join(out, run.record));
      this.problem(`${run.record}: ${reason}; moved to ${path.relative(out, aside)} and the run is redone`);
    }
    // Temporary files of a writer killed mid-write: never a record, safe to remove once no
    // process of this sweep runs here (this one has just claimed the folder).
    for (const dir of [out, path.join(out, 'runs')]) {
      for (const name of readFolder(dir, 'results folder'))
        if (name.includes('.json.tmp-')) fs.rmSync(path.join(dir, name), { force: true });
    }
    this.save();
  }

  private save(): void {
    writeManifest(this.out, this.manifest);
  }

  /**
   * Runs every unfinished run of this shard. A run that fails is marked failed (with its error)
   * and the sweep goes on; --resume retries it. Data that cannot be prepared stops the sweep.
   */
  async run(): Promise<SweepManifest> {
    if (this.options.dryRun) throw new SedjouleError('E_USAGE', 'a dry run runs nothing');
    const todo = this.todo();
    const inShardCount = this.manifest.runs.filter((r) => r.status !== 'other-shard').length;
    const checkpointDir = path.join(this.out, CHECKPOINTS_DIR);
    const bar = new ProgressBar('sweep', this.options.progress);
    const def = this.plan.definition;
    for (const [n, run] of todo.entries()) {
      const planned = this.plan.runs[run.index];
      const cooldown = n > 0 ? this.options.cooldownSeconds : 0;
      const position = this.manifest.runs.filter((r) => r.status !== 'other-shard').findIndex((r) => r.key === run.key) + 1;
      bar.update(
        n,
        todo.length,
        `run ${position}/${inShardCount} ${run.key}: ${run.name}${cooldown ? ` (after a ${cooldown} s cool-down)` : ''}`,
      );
      bar.finish();
      // Power returns to idle before the next run measures its baseline (the study slept 30 s).
      if (cooldown > 0) await sleep(cooldown * 1000);

      let prepared: PreparedData;
      try {
        prepared = await this.dataFor(planned);
      } catch (error) {
        this.manifest.status = 'failed';
        this.manifest.problems.push(
          `preparing the data for ${run.key} failed: ${errorCode(error) ?? 'Error'}: ${(error as Error).message}`,
        );
        this.endSession('failed');
        throw error;
      }

      this.current = run;
      run.status = 'running';
      run.startedAt = new Date().toISOString();
      delete run.error;
      this.save();
      try {
        const record = await runExperiment(planned.config, {
          data: prepared,
          energy: def.energy,
          progress: this.options.progress,
          checkpointDir,
          resume: this.options.resume,
          onProblem: (line) => this.problem(line),
        });
        const full: SweepRecord = {
          ...record,
          sweep: {
            id: this.id,
            index: run.index,
            runs: this.manifest.runs.length,
            configuration: planned.configuration.id,
            name: planned.configuration.name,
            ...(planned.configuration.origin ? { origin: planned.configuration.origin } : {}),
            frontend: run.frontend,
            shard: this.options.shard,
          },
        };
        writeJsonAtomic(path.join(this.out, run.record), full);
        run.status = 'done';
        run.startedAt = record.startedAt;
        run.finishedAt = record.finishedAt;
        ++this.session.ran;
      } catch (error) {
        run.status = 'failed';
        run.error = `${errorCode(error) ?? 'Error'}: ${(error as Error).message}`;
        run.finishedAt = new Date().toISOString();
        ++this.session.failed;
        this.note(`sweep: ${run.key} failed: ${run.error}`);
      }
      this.current = undefined;
      this.save();
    }
    if (todo.length) bar.update(todo.length, todo.length, 'done');
    bar.finish();
    this.manifest.status = this.manifest.runs.some((r) => r.status === 'failed') ? 'incomplete' : 'finished';
    this.endSession('finished');
    return this.snapshot();
  }

  /** The run's data, prepared once per front end, and checked against the shape its model was checked on. */
  private async dataFor(planned: PlannedRun): Promise<PreparedData> {
    const prepared = await this.plan.data.get(dataSettingsFor(this.plan.definition.data, planned.configuration.frontend));
    this.manifest.data = { ...this.manifest.data, ...this.plan.data.records() };
    const check = this.plan.checks.get(planned.configuration.id)!;
    const shape = shapeOf(prepared.info);
    if (JSON.stringify(shape.inputShape) !== JSON.stringify(check.inputShape) || shape.classes !== check.classes) {
      throw new SedjouleError(
        'E_SHAPE',
        `the data gives inputs [${shape.inputShape}] with ${shape.classes} classes, but ${planned.key} was checked for [${check.inputShape}] with ${check.classes}`,
      );
    }
    return prepared;
  }

  private endSession(end: string): void {
    this.session.finishedAt = new Date().toISOString();
    this.session.end = end;
    this.save();
  }

  /**
   * Marks the sweep interrupted (a signal): the run in progress goes back to pending (its
   * checkpoint stays for --resume) and the manifest is written before the process exits.
   */
  interrupt(signal: string): void {
    if (this.options.dryRun) return;
    if (this.current) this.current.status = 'pending';
    this.manifest.status = 'interrupted';
    this.endSession(signal);
  }
}
