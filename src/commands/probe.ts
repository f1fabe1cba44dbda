/** `sedjoule probe`: what each energy source supports and how it behaves here (src/energy/probe.ts). */
import type { Argv } from 'yargs';

import { probe } from '../energy/probe.js';
import { SedjouleError } from '../errors.js';
import { probeText } from '../format/energy-table.js';
import { meterOptions, withIdleOption, withMeterOptions } from './options/energy.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { emit, showsProgress } from './options/output.js';

function probeOptions<T>(y: Argv<T>) {
  return withIdleOption(withMeterOptions(y), 'Seconds of idle power measured per source (not 0: probe reports idle power)', 3)
    .option('poll', numberOption('poll', 'Seconds of fast polling per source (update periods)', 2))
    .option('busy', numberOption('busy', 'Seconds of load per device kind (counter vs integrated power)', 3))
    .group(['poll', 'busy'], 'Probe:')
    .example('$0 probe', 'every source: update periods, idle power, counter vs integrated power under load')
    .example('$0 probe --no-rapl --poll 5 --json', 'NVIDIA GPUs only, longer polling, as JSON');
}

export const probeCommand = defineCommand({
  command: 'probe',
  describe:
    'Per energy source: what it supports, its counter and power update periods, idle power, and counter vs integrated power under load',
  builder: (y) => probeOptions(y),
  handler: async (argv) => {
    if (argv.idle === 0) throw new SedjouleError('E_USAGE', "--idle must be above 0 for probe, which measures idle power, got '0'");
    if (showsProgress(argv)) process.stderr.write('probing energy sources (polling, idle, then load)...\n');
    const report = await probe({ ...meterOptions(argv), pollSeconds: argv.poll, idleSeconds: argv.idle, busySeconds: argv.busy });
    emit('probe', argv, report, () => probeText(report));
  },
});
