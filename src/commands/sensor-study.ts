/**
 * `sedjoule sensor-study`: how far each energy source here can be trusted. Known loads (the addon's
 * own: a spin kernel on a share of the GPU's SMs, or busy CPU threads) while every source is read as
 * fast as it answers; then per channel its update period, step response, part-time window, the error
 * of naive power sampling against the energy counter, and the shortest window for a target error
 * (src/sensors/, docs/sensors.md).
 */
import path from 'node:path';
import type { Argv } from 'yargs';

import { SedjouleError } from '../errors.js';
import { renderTable } from '../format/table.js';
import { ProgressBar } from '../format/progress.js';
import { loadAddon } from '../native.js';
import { isEstimated, type MaybeEstimate } from '../sensors/estimate.js';
import { reanalyseSensorStudy, sensorStudy } from '../experiment/sensor-study.js';
import type { SensorStudyResult } from '../sensors/study-result.js';
import { withSourceOptions } from './options/energy.js';
import { numberListOption, numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { emit, showsProgress } from './options/output.js';

const STUDY = 'Sensor study:';
const LOADS = 'Loads:';

function sensorStudyOptions<T>(y: Argv<T>) {
  return withSourceOptions(y)
    .option('out', {
      type: 'string',
      requiresArg: true,
      default: 'sensor-study',
      describe: 'Folder for study.json, samples.csv, loads.csv, load.log and report.html',
    })
    .option('device', {
      choices: ['gpu', 'cpu'] as const,
      describe: 'What the known loads run on (default: gpu when a CUDA device is visible, else cpu)',
    })
    .option('gpus', {
      type: 'string',
      requiresArg: true,
      describe: 'NVML devices to read and load: indices or UUIDs, comma-separated (default: all)',
    })
    .option('reference', {
      type: 'string',
      requiresArg: true,
      describe:
        'CSV of an external meter (columns time and watts; time in seconds, any origin): aligned by the load pattern, each source compared with it',
    })
    .option('from', {
      type: 'string',
      requiresArg: true,
      describe:
        'Analyse an earlier study folder again from its raw files (samples.csv, loads.csv), measuring nothing; writes its study.json and report.html',
    })
    .option('target-error', numberOption('target-error', 'Relative error the recommended windows and repetitions aim at', 0.01))
    .option('poll-ms', numberOption('poll-ms', 'Sleep between two reads of an NVML device (RAPL: a fifth of it)', 1))
    .group(['out', 'device', 'gpus', 'reference', 'from', 'target-error', 'poll-ms'], STUDY)
    .option('idle', numberOption('idle', 'Seconds of idle before the first step', 3))
    .option('step-cycles', numberOption('step-cycles', 'Idle -> busy -> idle cycles of the step response', 10))
    .option('step-busy', numberOption('step-busy', 'Seconds of load per step', 2))
    .option('step-idle', numberOption('step-idle', 'Seconds of idle between steps', 2))
    .option('burst-ms', numberListOption('burst-ms', 'Part-time bursts: their lengths, ms', [5, 10, 25, 50]))
    .option('burst-phases', numberOption('burst-phases', 'Part-time bursts: phases of the update period each length is placed at', 16))
    .option('burst-gap', numberOption('burst-gap', 'Part-time bursts: seconds of idle between two', 1))
    .option('naive-durations', numberListOption('naive-durations', 'Naive methods: load lengths, s', [0.1, 1, 10, 60]))
    .option('naive-gap', numberOption('naive-gap', 'Naive methods: seconds of idle between loads', 5))
    .option(
      'protocol-s',
      numberOption('protocol-s', 'Corrected protocol: seconds of load per load length, in 4 phase-shifted groups (2 to 80 repetitions)', 8),
    )
    .option('load-threads', numberOption('load-threads', 'CPU loads: threads at full load (0: every hardware thread)', 0))
    .group(
      [
        'idle',
        'step-cycles',
        'step-busy',
        'step-idle',
        'burst-ms',
        'burst-phases',
        'burst-gap',
        'naive-durations',
        'naive-gap',
        'protocol-s',
        'load-threads',
      ],
      LOADS,
    )
    .example('$0 sensor-study --out study/', 'every source here, about 7 minutes with the default loads')
    .example('$0 sensor-study --device gpu --gpus 0 --reference wall.csv', 'GPU 0, compared with a wall meter logged during the study')
    .example('$0 sensor-study --naive-durations 0.1,1,10 --step-cycles 4 --json', 'a shorter study, as JSON')
    .example(
      '$0 sensor-study --from study/ --reference wall.csv',
      'the same readings analysed again, against a wall meter logged at the time',
    );
}

function defaultDevice(): 'gpu' | 'cpu' {
  return loadAddon().info().cuda.devices.length > 0 ? 'gpu' : 'cpu';
}

const ms = (e: MaybeEstimate) =>
  isEstimated(e) ? `${(1000 * e.value).toPrecision(3)} ± ${(1000 * e.uncertainty).toPrecision(2)} ms` : '-';
const num = (e: MaybeEstimate, digits = 3) => (isEstimated(e) ? `${e.value.toPrecision(digits)} ± ${e.uncertainty.toPrecision(2)}` : '-');
const pct = (e: MaybeEstimate) => (isEstimated(e) ? `${(100 * e.value).toFixed(1)} ± ${(100 * e.uncertainty).toFixed(1)} %` : '-');

/** The study for people: one row per channel, the naive methods' errors, and the notes. */
export function studyText(study: SensorStudyResult, dir: string): string {
  const rows = study.channels.map((c) => [
    c.channel,
    c.method,
    ms(c.updatePeriod.period),
    ms(c.stepResponse.delay),
    c.stepResponse.filterShape ? `${c.stepResponse.filterShape} ${ms(c.stepResponse.filterWidth)}` : '-',
    'sampledFraction' in c.partTime ? pct(c.partTime.sampledFraction) : '-',
    isEstimated(c.stepResponse.idle) ? `${c.stepResponse.idle.value.toFixed(1)} W` : '-',
    c.recommendation && isEstimated(c.recommendation.shortestWindow) ? `${c.recommendation.shortestWindow.value.toPrecision(3)} s` : '-',
  ]);
  const lines = [
    `sensor study on the ${study.device}: ${study.channels.length} channels (${dir})`,
    renderTable(
      [
        'channel',
        'method',
        'update period',
        'delay',
        'filter',
        'sampled',
        'idle',
        `window for ${100 * study.settings.targetRelativeError} %`,
      ],
      rows,
    ),
  ];
  for (const n of study.naive) {
    lines.push('', `naive methods: ${n.power} sampled, against ${n.counter}`);
    const naiveRows = n.loads.map((l) => [
      `${l.durationS} s`,
      ...l.sampled.map((m) => pct(m.meanError)),
      pct(l.everyUpdate),
      'residual' in l.corrected ? pct(l.corrected.residual) : '-',
    ]);
    const intervals = n.loads[0]?.sampled.map((m) => `every ${m.intervalS} s`) ?? [];
    lines.push(renderTable(['load', ...intervals, 'every update', 'corrected protocol'], naiveRows));
  }
  if ('offset' in study.reference) {
    lines.push(
      '',
      `reference meter ${study.reference.file}: offset ${num(study.reference.offset, 6)} s; per channel delay, gain, energy error:`,
    );
    for (const c of study.reference.channels) lines.push(`  ${c.channel}: ${ms(c.delay)}, ${num(c.gain)}, ${pct(c.relativeError)}`);
  }
  for (const note of study.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export const sensorStudyCommand = defineCommand({
  command: 'sensor-study',
  describe:
    "How far each energy source here can be trusted: known loads while every source is read at its highest rate; per channel its update period, step response (delay, fitted filter), part-time window, naive methods' error against the counter, and the windows needed for a target error",
  builder: (y) => sensorStudyOptions(y),
  handler: async (argv) => {
    if (argv.from !== undefined) {
      const { study, files } = await reanalyseSensorStudy(argv.from, {
        ...(argv.reference ? { reference: argv.reference } : {}),
        targetRelativeError: argv['target-error'],
      });
      emit('sensor-study', argv, { ...study, files }, () => studyText(study, path.dirname(files.study)));
      return;
    }
    if (argv.idle <= 0)
      throw new SedjouleError('E_USAGE', `--idle must be above 0 for sensor-study, which measures idle readings, got '${argv.idle}'`);
    const pollS = argv['poll-ms'] / 1000;
    const bar = new ProgressBar('sensor-study', showsProgress(argv));
    const { study, files } = await sensorStudy({
      outDir: argv.out,
      device: argv.device ?? defaultDevice(),
      meter: {
        nvml: argv.nvml,
        rapl: argv.rapl,
        cpuTdpWatts: argv['cpu-tdp'],
        cpuCores: argv['cpu-cores'],
        ...(argv.gpus ? { gpus: argv.gpus.split(',').map((g) => g.trim()) } : {}),
      },
      threads: argv['load-threads'],
      pollIntervalS: { nvml: pollS, rapl: pollS / 5, model: pollS },
      idleS: argv.idle,
      step: { cycles: argv['step-cycles'], busyS: argv['step-busy'], idleS: argv['step-idle'] },
      partTime: { burstS: argv['burst-ms'].map((m) => m / 1000), phases: argv['burst-phases'], gapS: argv['burst-gap'] },
      naive: { durationsS: argv['naive-durations'], gapS: argv['naive-gap'], protocolS: argv['protocol-s'] },
      targetRelativeError: argv['target-error'],
      ...(argv.reference ? { reference: argv.reference } : {}),
      onProgress: (phase, doneS, totalS) => bar.update(Math.round(doneS), Math.round(totalS), phase),
    });
    bar.finish();
    emit('sensor-study', argv, { ...study, files }, () => studyText(study, path.dirname(files.study)));
  },
});
