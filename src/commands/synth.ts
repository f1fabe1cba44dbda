/** `sedjoule synth`: the summary printed after writing the synthetic set. */
import type { SynthReport } from '../data/synth/writer.js';

export function printSynth(report: SynthReport): string {
  const counts = Object.entries(report.classCounts.train)
    .map(([name, c]) => `${name} ${c.clips}`)
    .join(', ');
  return [
    `wrote ${report.trainClips} train + ${report.testClips} test clips of ${report.durationS} s at ${report.sampleRate} Hz to ${report.out} (seed ${report.seed})`,
    `${report.events} strong labels; ${(report.bytes / 1e6).toFixed(1)} MB; ${report.msPerClip.toFixed(1)} ms per clip`,
    `training clips per class: ${counts}`,
  ].join('\n');
}
