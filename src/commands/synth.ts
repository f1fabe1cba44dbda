/** `sedjoule synth`: writes the embedded synthetic DESED-like set (src/data/synth/). */
import type { Argv } from 'yargs';

import { synthesize, type SynthReport } from '../data/synth/writer.js';
import { ProgressBar } from '../format/progress.js';
import { withSeedOption } from './options/data.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { emit, showsProgress } from './options/output.js';

function synthOptions<T>(y: Argv<T>) {
  return withSeedOption(y, 'Seed: the same seed writes the same bytes')
    .option('out', {
      type: 'string',
      requiresArg: true,
      demandOption: true,
      describe: 'Output folder (DESED layout: audio/, metadata/, dataset.json)',
    })
    .option('clips', numberOption('clips', "Training clips (DESED's weak set has 1578)", 1578))
    .option('test-clips', numberOption('test-clips', 'Test (validation) clips (default: a quarter of --clips)'))
    .option('rate', numberOption('rate', 'Sample rate, Hz', 16000))
    .option('duration', numberOption('duration', 'Clip length, seconds', 10))
    .group(['out', 'clips', 'test-clips', 'seed', 'rate', 'duration'], 'Synthetic set:')
    .example('$0 synth --out synth/ --clips 200', '200 training and 50 test clips of 10 s at 16 kHz');
}

export const synthCommand = defineCommand({
  command: 'synth',
  describe:
    'Write the embedded synthetic DESED-like set: 10 s clips of 10 procedurally generated classes, strong and weak labels in DESED TSV format',
  builder: (y) => synthOptions(y),
  handler: async (argv) => {
    const bar = new ProgressBar('synth', showsProgress(argv));
    const report = await synthesize({
      out: argv.out,
      seed: argv.seed,
      trainClips: argv.clips,
      testClips: argv['test-clips'],
      sampleRate: argv.rate,
      durationS: argv.duration,
      progress: (d, t) => bar.update(d, t),
    });
    bar.finish();
    emit('synth', argv, report, () => printSynth(report));
  },
});

function printSynth(report: SynthReport): string {
  const counts = Object.entries(report.classCounts.train)
    .map(([name, c]) => `${name} ${c.clips}`)
    .join(', ');
  return [
    `wrote ${report.trainClips} train + ${report.testClips} test clips of ${report.durationS} s at ${report.sampleRate} Hz to ${report.out} (seed ${report.seed})`,
    `${report.events} strong labels; ${(report.bytes / 1e6).toFixed(1)} MB; ${report.msPerClip.toFixed(1)} ms per clip`,
    `training clips per class: ${counts}`,
  ].join('\n');
}
