/**
 * Measures any command: an idle baseline before it starts, one window `run` for the whole of it,
 * the windows it opens and closes itself through markers (marker-channel.ts), every sample of every
 * source, and a record written on every way out: the command exiting with any code, killed by a
 * signal, sedjoule stopped by SIGINT or SIGTERM (passed on to the command, which sedjoule then
 * waits for), or sedjoule failing after the command started.
 *
 * In `out`: record.json (the run record: the same energy structure as train's, with the command,
 * how it ended, the signals and the marker problems), windows.csv (window-table.ts) and
 * samples.csv or samples.jsonl (sample-stream.ts). record.json and windows.csv are written
 * atomically at the end; the samples file grows as the command runs (a log: after a crash of
 * sedjoule itself it holds every sample up to its last read).
 */
import path from 'node:path';

import type { EmissionsSettings } from '../analysis/record-emissions.js';
import { DEFAULT_CARBON_INTENSITY } from '../energy/carbon.js';
import { Meter, type MeterOptions } from '../energy/meter.js';
import type { EnergyTrace, EnergyWindow, IdleBaseline, MeterDescription } from '../energy/types.js';
import { visibleGpus, type GpuSelection } from '../energy/visible-gpus.js';
import { SedjouleError } from '../errors.js';
import { provenance } from '../experiment/provenance.js';
import type { Provenance } from '../records/run-record.js';
import { ensureFolder, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GpuAttribution, type GpuAttributionRecord } from './gpu-attribution.js';
import { HeldChild, type ChildEnd, type ReceivedSignal } from './held-child.js';
import { MARKERS_VARIABLE, MarkerChannel, parseMarker } from './marker-channel.js';
import { SampleStream, type SampleFormat, type SourceNow } from './sample-stream.js';
import { measureEmissionsCsv } from './measure-emissions.js';
import { windowsCsv } from './window-table.js';

/** The window that spans the whole command; markers may not use its name. */
export const RUN_WINDOW = 'run';

export interface MeasureOptions {
  /** Folder for record.json, windows.csv and the samples; nothing is written without it. */
  out?: string;
  /** Seconds of idle baseline before the command starts (default 3; 0: none, so no net energy). */
  idleSeconds?: number;
  meter?: MeterOptions;
  /**
   * The GPUs to measure (NVML indices or UUIDs); default: the ones the command can see through
   * CUDA_VISIBLE_DEVICES in its environment (visibleGpus), else all.
   */
  gpus?: string[];
  /**
   * emissions.csv with CodeCarbon's layout and meanings (default: the 2.8 layout, project
   * "sedjoule-measure", the meter's carbon intensity and PUE).
   */
  emissions?: Partial<EmissionsSettings>;
  /** samples.csv (default) or samples.jsonl. */
  samples?: SampleFormat;
  /** The command's working folder and environment (default: sedjoule's). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called after every read of the sources (about once a second) while the command runs. */
  onProgress?: (elapsedS: number, sources: SourceNow[]) => void;
}

/** A marker line that was not applied, and why. */
export interface MarkerProblem {
  atS: number;
  line: string;
  problem: string;
}

export interface MeasureRecord {
  format: 'sedjoule-measure';
  version: 1;
  command: string[];
  cwd: string;
  /** The command's process id (the root of the process tree the meter follows). */
  pid: number;
  startedAt: string;
  finishedAt: string;
  child: ChildEnd;
  signals: ReceivedSignal[];
  markers: {
    /** The environment variable the command was given, holding the FIFO's path. */
    variable: string;
    windows: string[];
    problems: MarkerProblem[];
    /** Windows still open when the command ended: closed by sedjoule then. */
    closedAtExit: string[];
  };
  energy: { meter: MeterDescription; idle?: IdleBaseline; windows: EnergyWindow[]; trace: EnergyTrace };
  /** Which GPUs were measured and why (the given list, or CUDA_VISIBLE_DEVICES). */
  gpuSelection: { gpus: string[] | null; note: string; caveat?: string };
  /** Which of the command's processes used each GPU: attribution, not measurement. */
  gpuAttribution: GpuAttributionRecord | null;
  samples: { file: string | null; format: SampleFormat; lost: Record<string, number> };
  provenance: Provenance;
  settings: { idleSeconds: number; meter: MeterOptions };
}

export const MEASURE_FILES = { record: 'record.json', windows: 'windows.csv', emissions: 'emissions.csv' } as const;

export async function measureCommand(argv: string[], options: MeasureOptions = {}): Promise<MeasureRecord> {
  if (argv.length === 0 || argv[0] === '') throw new SedjouleError('E_USAGE', 'name the command to measure, e.g. -- python train.py');
  const idleSeconds = options.idleSeconds ?? 3;
  if (!(idleSeconds >= 0 && idleSeconds <= 3600))
    throw new SedjouleError('E_VALUE', `idle seconds must be in [0, 3600], got ${idleSeconds}`);
  const format = options.samples ?? 'csv';
  if (options.out) ensureFolder(options.out, 'measure output folder');
  const cwd = path.resolve(options.cwd ?? process.cwd());

  const problems: MarkerProblem[] = [];
  const markerWindows: string[] = [];
  const open = new Set<string>();
  let meter: Meter | undefined;
  let runStartNs = 0n;
  const sinceRun = () => (runStartNs ? Number(process.hrtime.bigint() - runStartNs) / 1e9 : 0);
  const onLine = (line: string) => {
    const marker = parseMarker(line);
    const problem = (text: string) => problems.push({ atS: sinceRun(), line, problem: text });
    if ('problem' in marker) return problem(marker.problem);
    if (!meter || !runStartNs) return problem('arrived before the command ran');
    if (marker.name === RUN_WINDOW) return problem(`'${RUN_WINDOW}' is the window of the whole command`);
    try {
      if (marker.action === 'begin') {
        meter.begin(marker.name);
        open.add(marker.name);
        markerWindows.push(marker.name);
      } else {
        meter.end(marker.name);
        open.delete(marker.name);
      }
    } catch (error) {
      problem(error instanceof Error ? error.message.replace(/^meter: /, '') : String(error));
    }
  };

  const env = options.env ?? process.env;
  const selection: GpuSelection = options.gpus
    ? { gpus: options.gpus, note: `given: ${options.gpus.join(', ')}` }
    : options.meter?.gpus
      ? { gpus: options.meter.gpus, note: `given: ${options.meter.gpus.join(', ')}` }
      : visibleGpus(env);
  const meterOptions: MeterOptions = {
    ...options.meter,
    ...(selection.gpus ? { gpus: selection.gpus } : {}),
    ...(selection.nvml === false ? { nvml: false } : {}),
  };

  const channel = MarkerChannel.open(onLine);
  let held: HeldChild | undefined;
  let stream: SampleStream | undefined;
  try {
    held = HeldChild.hold(argv, { ...env, [MARKERS_VARIABLE]: channel.path }, cwd);
    // The modelled CPU (when RAPL cannot be read) charges the command's process tree, not sedjoule.
    meter = Meter.start({ ...meterOptions, cpuProcessTree: held.pid });
    const gpuSources = meter.describe().sources.some((source) => source.device === 'gpu');
    const attribution = gpuSources ? new GpuAttribution(meter, held.pid) : undefined;
    if (idleSeconds > 0) await meter.measureIdle(idleSeconds);
    const samplesFile = options.out ? path.join(options.out, `samples.${format}`) : undefined;
    stream = new SampleStream(meter, samplesFile, format);
    const startedAt = new Date().toISOString();
    meter.begin(RUN_WINDOW);
    runStartNs = process.hrtime.bigint();
    held.release();
    stream.start(1, () => {
      attribution?.read();
      options.onProgress?.(sinceRun(), stream!.now);
    });
    const child = await held.end();
    await channel.close();
    const closedAtExit = [...open];
    for (const name of closedAtExit) meter.end(name);
    meter.end(RUN_WINDOW);
    stream.finish();
    attribution?.read();
    const description = meter.describe();
    const record: MeasureRecord = {
      format: 'sedjoule-measure',
      version: 1,
      command: argv,
      cwd,
      pid: held.pid,
      startedAt,
      finishedAt: new Date().toISOString(),
      child,
      signals: held.received,
      markers: { variable: MARKERS_VARIABLE, windows: markerWindows, problems, closedAtExit },
      energy: { meter: description, idle: meter.idle(), windows: meter.windows(), trace: meter.trace() },
      gpuSelection: { gpus: selection.gpus ?? null, note: selection.note, ...(selection.caveat ? { caveat: selection.caveat } : {}) },
      gpuAttribution: attribution?.record() ?? null,
      samples: { file: samplesFile ?? null, format, lost: Object.fromEntries(stream.lost) },
      provenance: provenance(description),
      settings: { idleSeconds, meter: meterOptions },
    };
    if (options.out) {
      writeFileAtomic(path.join(options.out, MEASURE_FILES.windows), windowsCsv(record.energy.windows, description));
      const emissions: EmissionsSettings = {
        projectName: 'sedjoule-measure',
        intensityGPerKWh: options.meter?.carbon?.intensityGPerKWh ?? DEFAULT_CARBON_INTENSITY,
        pue: options.meter?.carbon?.pue ?? 1,
        layout: '2.8',
        ...options.emissions,
      };
      writeFileAtomic(
        path.join(options.out, MEASURE_FILES.emissions),
        measureEmissionsCsv({ windows: record.energy.windows, run: RUN_WINDOW, startedAt, provenance: record.provenance }, emissions),
      );
      writeJsonAtomic(path.join(options.out, MEASURE_FILES.record), record);
    }
    return record;
  } finally {
    stream?.finish();
    held?.dispose();
    meter?.stop();
    await channel.close();
  }
}
