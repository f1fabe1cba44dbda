/**
 * One run: one model configuration and one repeat, through the phases asked for (train, test,
 * run), each its own energy window, after an idle baseline. The result is a RunRecord, the unit a
 * sweep writes (one JSON file per run). With a checkpoint folder, training saves weights,
 * optimiser state and progress atomically at each epoch end, and a resumed run continues from the
 * last finished epoch.
 */
import fs from 'node:fs';
import path from 'node:path';

import { batchCount, type Dataset } from '../data/dataset.js';
import { Meter } from '../energy/meter.js';
import type { EnergySettings } from '../energy/settings.js';
import type { EnergyTrace, EnergyWindow, IdleBaseline } from '../energy/types.js';
import { SedjouleError } from '../errors.js';
import { ProgressBar } from '../format/progress.js';
import { mergeLedgers, totals } from '../ledger.js';
import { taggingMetrics } from '../metrics/tagging.js';
import { describeModelRef, modelRefNetwork } from '../models/presets.js';
import type { Network } from '../network.js';
import { runFileStem, runKey, type RunConfig, type RunRecord, type Utilisation } from '../records/run-record.js';
import type { NetworkSpec } from '../spec.js';
import { ensureFolder, writeJsonAtomic } from '../util/atomic.js';
import { prepareData, type DataSettings, type PreparedData } from './data.js';
import { createCheckedNetwork, withMemorySizes, type MemoryNeed } from './memory-check.js';
import { runPhase, testPhase, trainPhase } from './phases.js';
import { provenance } from './provenance.js';
import { resumeProgress, type ResumeProgress } from './resume-progress.js';

export interface RunOptions {
  /** Data prepared once for several runs, or the settings to prepare it for this run. */
  data: PreparedData | DataSettings;
  energy: EnergySettings;
  progress: boolean;
  /** Where epoch checkpoints and resume progress live; absent: no checkpoints. */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one for this run. */
  resume?: boolean;
  /**
   * Told of damaged files set aside (a corrupt checkpoint or progress file, the run restarting),
   * one line each; default: written to stderr.
   */
  onProblem?: (line: string) => void;
}

function utilisationOf(window: EnergyWindow | undefined): Utilisation {
  if (!window) return { gpuPct: null, memoryPct: null, peakMemoryBytes: null, note: 'energy not measured' };
  const gpus = window.sources.filter((s) => s.device === 'gpu');
  const mean = (values: Array<number | null>) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
  };
  if (gpus.length === 0) return { gpuPct: null, memoryPct: null, peakMemoryBytes: null, note: 'no GPU source' };
  const peaks = gpus.map((g) => g.peakMemoryBytes).filter((v): v is number => v !== null);
  return {
    gpuPct: mean(gpus.map((g) => g.meanGpuUtilisationPct)),
    memoryPct: mean(gpus.map((g) => g.meanMemoryUtilisationPct)),
    peakMemoryBytes: peaks.length ? Math.max(...peaks) : null,
  };
}

/** At most `points` samples per source, evenly spaced: enough for a power plot, small on disk. */
function decimate(trace: EnergyTrace, points = 2000): EnergyTrace {
  return {
    ...trace,
    sources: trace.sources.map((s) => {
      const step = Math.max(1, Math.ceil(s.timeS.length / points));
      const pick = <T>(a: T[]) => a.filter((_, i) => i % step === 0);
      return {
        ...s,
        timeS: pick(s.timeS),
        powerW: pick(s.powerW),
        energyJ: pick(s.energyJ),
        gpuUtilisationPct: pick(s.gpuUtilisationPct),
        memoryUtilisationPct: pick(s.memoryUtilisationPct),
        memoryUsedBytes: pick(s.memoryUsedBytes),
      };
    }),
  };
}

function targetsOf(dataset: Dataset): Float32Array {
  const c = dataset.classes.length;
  const out = new Float32Array(dataset.size * c);
  for (let i = 0; i < dataset.size; ++i) out.set(dataset.target(i), i * c);
  return out;
}

function isPrepared(data: PreparedData | DataSettings): data is PreparedData {
  return 'train' in data && 'info' in data;
}

export async function runExperiment(config: RunConfig, options: RunOptions): Promise<RunRecord> {
  const startedAt = new Date().toISOString();
  const key = runKey(config);
  const meter = options.energy.enabled ? Meter.start(options.energy.meter) : undefined;
  let net: Network | undefined;
  // The model's checked memory need: a step that runs out of memory all the same says it.
  const what = `${key} (${describeModelRef(config.model)})`;
  let need: MemoryNeed | undefined;
  try {
    let idle: IdleBaseline | undefined;
    if (meter && options.energy.idleSeconds > 0) {
      if (options.progress) process.stderr.write(`${key}: measuring idle power for ${options.energy.idleSeconds} s\n`);
      idle = await meter.measureIdle(options.energy.idleSeconds);
    }
    const prepared = isPrepared(options.data) ? options.data : await prepareData(options.data, meter);
    const { train, test, info } = prepared;

    const { spec, weights } = modelRefNetwork(config.model, {
      inputShape: info.inputShape,
      classes: info.classes.length,
      seed: config.seed,
    });
    spec.optimizer = { ...(spec.optimizer ?? { type: 'adam' }), lr: config.lr } as NetworkSpec['optimizer'];
    // The largest batch the phases run: train and test at --batch, the run phase at --run-batch.
    const batch = Math.max(
      config.phases.some((p) => p === 'train' || p === 'test') ? config.batchSize : 1,
      config.phases.includes('run') ? config.runBatch : 1,
    );
    // An imported model starts from its own weights.
    const build = async () => {
      const checked = createCheckedNetwork(spec, { threads: config.threads, device: config.device }, batch, what);
      need = checked.need;
      try {
        if (weights) await checked.net.setParameters(weights);
      } catch (error) {
        checked.net.dispose();
        throw error;
      }
      return checked.net;
    };
    net = await build();

    const record: RunRecord['phases'] = { features: isPrepared(options.data) ? undefined : prepared.features };
    if (options.checkpointDir) ensureFolder(options.checkpointDir, 'checkpoint folder');
    const checkpoint = options.checkpointDir ? path.join(options.checkpointDir, `${runFileStem(key)}.ckpt`) : undefined;
    const progressFile = checkpoint ? `${checkpoint}.progress.json` : undefined;

    if (config.phases.includes('train')) {
      let resumed: ResumeProgress | undefined;
      if (options.resume && checkpoint && progressFile) {
        const found = await resumeProgress(net, {
          key,
          spec: JSON.stringify(spec),
          epochs: config.epochs,
          checkpoint,
          progressFile,
          report: options.onProblem ?? ((line) => process.stderr.write(`${line}\n`)),
        });
        if (found.damaged) {
          // A failed load may have changed some weights: start from a network built afresh.
          net.dispose();
          net = await build();
        }
        resumed = found.progress;
        // epochsDone == epochs: stopped after training, in test or run; resume with the trained
        // weights (zero epochs left) instead of training again.
        if (resumed && options.progress) process.stderr.write(`${key}: resuming after epoch ${resumed.epochsDone}\n`);
      }
      const fresh: ResumeProgress = {
        key,
        spec: JSON.stringify(spec),
        epochsDone: 0,
        epochLoss: [],
        epochEnergy: [],
        ledger: [],
        seconds: 0,
      };
      const history = resumed ?? fresh;
      // Steps and samples of the epochs before the resume (progress files written before they
      // were kept: every epoch is one pass over the same training set).
      const before = {
        steps: history.steps ?? history.epochsDone * batchCount(train, config.batchSize),
        samples: history.samples ?? history.epochsDone * train.size,
        seconds: history.seconds,
      };
      const bar = new ProgressBar(`${key} train`, options.progress);
      meter?.begin('train');
      const trained = await trainPhase(net, train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        shuffleSeed: config.seed,
        startEpoch: history.epochsDone,
        progress: (d, t, detail) => bar.update(d, t, detail),
        onEpochStart: (epoch) => meter?.begin(`epoch-${epoch}`),
        onEpochEnd: async (epoch, loss, sofar) => {
          const window = meter?.end(`epoch-${epoch}`);
          history.epochLoss.push(loss);
          if (window) history.epochEnergy.push(window);
          if (!checkpoint || !progressFile) return;
          // Checkpoint first, then the progress that points at it: a crash between the two
          // resumes from the previous epoch, never from a checkpoint the progress does not match.
          await net!.saveCheckpoint(checkpoint);
          const progress: ResumeProgress = {
            ...history,
            epochsDone: epoch,
            ledger: mergeLedgers(history.ledger, net!.ledger()),
            seconds: before.seconds + sofar.seconds,
            steps: before.steps + sofar.steps,
            samples: before.samples + sofar.samples,
          };
          writeJsonAtomic(progressFile, progress);
        },
      });
      const energy = meter?.end('train');
      bar.finish();
      const { ledger, ...session } = trained;
      const kernels = mergeLedgers(history.ledger, ledger);
      record.train = {
        // The whole run's epochs, steps, samples and time (every session of a resumed run), and
        // this process's share apart: the ledger and the epoch windows cover the whole run too.
        result: {
          ...session,
          epochs: config.epochs,
          steps: before.steps + session.steps,
          samples: before.samples + session.samples,
          seconds: before.seconds + session.seconds,
          allEpochLoss: history.epochLoss,
          resumedAfterEpoch: resumed?.epochsDone ?? 0,
          session: { epochs: session.epochs, steps: session.steps, samples: session.samples, seconds: session.seconds },
        },
        epochEnergy: history.epochEnergy,
        kernels,
        totals: totals(kernels),
        energy,
        utilisation: utilisationOf(energy),
      };
    }
    if (config.phases.includes('test')) {
      const bar = new ProgressBar(`${key} test`, options.progress);
      meter?.begin('test');
      const tested = await testPhase(net, test, { batchSize: config.batchSize, progress: (d, t) => bar.update(d, t) });
      const energy = meter?.end('test');
      bar.finish();
      const { ledger, outputs, ...result } = tested;
      record.test = {
        result,
        kernels: ledger,
        totals: totals(ledger),
        energy,
        utilisation: utilisationOf(energy),
        metrics: taggingMetrics(outputs, targetsOf(test), info.classes),
      };
    }
    if (config.phases.includes('run')) {
      if (!(config.runPasses >= 1 && config.runBatch >= 1))
        throw new SedjouleError(
          'E_USAGE',
          `the run phase needs passes >= 1 and a batch >= 1, got ${config.runPasses} and ${config.runBatch}`,
        );
      const bar = new ProgressBar(`${key} run`, options.progress);
      meter?.begin('run');
      const ran = await runPhase(net, {
        passes: config.runPasses,
        batch: config.runBatch,
        seed: config.seed,
        progress: (d, t) => bar.update(d, t),
      });
      const energy = meter?.end('run');
      bar.finish();
      const { ledger, ...result } = ran;
      record.run = { result, kernels: ledger, totals: totals(ledger), energy, utilisation: utilisationOf(energy) };
    }

    if (checkpoint && progressFile) {
      fs.rmSync(checkpoint, { force: true });
      fs.rmSync(progressFile, { force: true });
    }
    const description = meter?.describe();
    return {
      format: 'sedjoule-run',
      version: 1,
      key,
      config,
      model: { name: describeModelRef(config.model), spec: net.description.spec, params: net.parameters, description: net.description },
      data: info,
      phases: record,
      energy: meter ? { meter: description!, idle, windows: meter.windows(), trace: decimate(meter.trace()) } : undefined,
      provenance: provenance(description),
      settings: { energy: options.energy, threads: config.threads },
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } catch (error) {
    throw need ? withMemorySizes(error, what, need) : error;
  } finally {
    meter?.stop();
    net?.dispose();
  }
}
