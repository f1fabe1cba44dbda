/** `sedjoule profile`: the text of a profile (src/experiment/profile.ts); the JSON is the report itself. */
import { profileTable } from '../format/profile-table.js';
import type { ProfileReport } from '../experiment/profile.js';

const int = (n: number) => n.toLocaleString('en-US');
const mega = (n: number) => (n / 1e6).toFixed(3);

export function printProfile(report: ProfileReport): string {
  const c = report.clip;
  const f = report.forward, b = report.backward, bp = report.backwardPasses, o = report.optimizer;
  const perTen = report.per10s;
  const head = [
    `model ${report.model.name}: ${int(report.params)} parameters; input [${report.inputShape}] from the ${c.frontend} front end (${c.frames} of ${c.clipFrames} frames at ${c.sampleRate} Hz, hop ${c.hop})`,
    `one training step on one clip (batch 1, seeded random features): forward, loss, backward (input, weight and bias gradients as separate passes), optimiser; ${report.threads} threads, ${report.stepMs.toFixed(1)} ms`,
    '',
    profileTable(report.kernels),
    '',
    `forward:    ${int(f.macs)} MACs on data + ${int(f.paddingMacs)} MACs on padding the kernels execute; ${int(f.flops)} FLOPs, ${int(f.transcendentals)} transcendentals, ${int(f.comparisons)} comparisons`,
    `backward:   ${int(b.flops)} FLOPs (input ${int(bp.input.flops)}, weight ${int(bp.weight.flops)}, bias ${int(bp.bias.flops)}); ${int(b.macs)} MACs`,
    `backward / forward FLOPs: ${report.backwardForwardRatio.toFixed(3)} (measured; the study assumed 2)`,
    `optimizer:  ${int(o.flops)} FLOPs, ${int(o.transcendentals)} transcendentals over ${int(report.params)} parameters`,
    `per 10 s of audio: ${mega(perTen.macs)} M MACs (${int(perTen.macs)}), ${mega(perTen.flops)} M FLOPs forward; ${perTen.note}`,
  ];
  return head.join('\n');
}
