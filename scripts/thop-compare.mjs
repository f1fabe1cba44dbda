#!/usr/bin/env node
// dcase-crnn, kernel by kernel: sedjoule's profile next to what THOP and DeepSpeed report.
// node scripts/thop-compare.mjs [--json]        (after npx tsc -p tsconfig.build.json)
//
// 1. MACs per layer: THOP's rules (scripts/counters.mjs) against sedjoule's useful MACs and the
//    padding MACs its kernels execute; the totals reconciled with the published 930.902 M.
// 2. Backward per layer: sedjoule's measured backward FLOPs (input + weight + bias passes) over
//    its forward FLOPs, against DeepSpeed's rule (backward = 2 x forward).
// docs/profiling.md pastes this output; test/profile.test.ts checks the totals it states.
import { runProfile } from '../dist/index.js';
import { modelRefSpec } from '../dist/models/presets.js';
import { Network } from '../dist/network.js';
import { networkCounts } from './counters.mjs';

/** DCASE 2023 task 4 README: "930.902 M" MACs per 10 s (thop, clever_format "%.3f"). */
export const PUBLISHED = 930_902_000;
/** Half of the last printed digit: any count in [PUBLISHED - 500, PUBLISHED + 500) prints as 930.902M. */
export const PUBLISHED_ROUNDING = 500;

const json = process.argv.includes('--json');
const model = { kind: 'dcase-crnn' };
const report = await runProfile({ model, frontend: 'dcase', classes: 10, seed: 1, threads: 0 });
const description = Network.inspect(modelRefSpec(model, { inputShape: report.inputShape, classes: 10, seed: 1 }));
const counts = networkCounts(description, { training: true });
const sed = new Map(report.layers.map((l) => [l.layer, l]));

const layers = counts.layers.map((c) => {
  const s = sed.get(c.layer) ?? {
    forward: { macs: 0, paddingMacs: 0, flops: 0 },
    backward: { flops: 0, inputFlops: 0, weightFlops: 0, biasFlops: 0 },
    ratio: null,
  };
  return {
    layer: c.layer,
    type: c.type,
    thopRule: c.rule,
    thopLegacy: c.thopLegacy,
    thopCurrent: c.thopCurrent,
    macs: s.forward.macs,
    paddingMacs: s.forward.paddingMacs,
    forwardFlops: s.forward.flops,
    backwardFlops: s.backward.flops,
    backwardInputFlops: s.backward.inputFlops,
    backwardWeightFlops: s.backward.weightFlops,
    backwardBiasFlops: s.backward.biasFlops,
    ratio: s.ratio,
    deepspeedMacs: c.deepspeedMacs,
    deepspeedFlops: c.deepspeedFlops,
  };
});

// Per kernel type, summed over the network: where the difference from THOP comes from.
const byType = new Map();
for (const l of layers) {
  const t = byType.get(l.type) ?? {
    type: l.type,
    layers: 0,
    thopLegacy: 0,
    thopCurrent: 0,
    macs: 0,
    paddingMacs: 0,
    forwardFlops: 0,
    backwardFlops: 0,
    deepspeedMacs: 0,
    deepspeedFlops: 0,
  };
  t.layers += 1;
  for (const f of ['thopLegacy', 'thopCurrent', 'macs', 'paddingMacs', 'forwardFlops', 'backwardFlops', 'deepspeedMacs', 'deepspeedFlops'])
    t[f] += l[f];
  byType.set(l.type, t);
}
const types = [...byType.values()].filter((t) => t.thopLegacy || t.thopCurrent || t.macs || t.forwardFlops || t.deepspeedFlops);
for (const t of types) t.ratio = t.forwardFlops ? t.backwardFlops / t.forwardFlops : null;
const loss = sed.get('loss');

const sedMacs = report.forward.macs;
const result = {
  model: 'dcase-crnn',
  params: report.params,
  inputShape: report.inputShape,
  published: PUBLISHED,
  publishedRounding: PUBLISHED_ROUNDING,
  thop: {
    legacy: { total: counts.thopLegacy, residual: counts.thopLegacy - PUBLISHED },
    current: { total: counts.thopCurrent, residual: counts.thopCurrent - PUBLISHED },
  },
  deepspeed: { macs: counts.deepspeedMacs, forwardFlops: counts.deepspeedFlops, assumedBackwardFlops: 2 * counts.deepspeedFlops },
  sedjoule: {
    forwardMacs: sedMacs,
    forwardPaddingMacs: report.forward.paddingMacs,
    forwardFlops: report.forward.flops,
    backwardFlops: report.backward.flops,
    backwardMacs: report.backward.macs,
    ratio: report.backwardForwardRatio,
    lossForwardFlops: loss?.forward.flops ?? 0,
    lossBackwardFlops: loss?.backward.flops ?? 0,
  },
  types,
  layers,
};

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const n = (v) => v.toLocaleString('en-US');
  const r = (v) => (v === null ? '-' : v.toFixed(3));
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const out = [];
  out.push(`dcase-crnn, input [${report.inputShape}] (10 s at 16 kHz), ${n(report.params)} parameters, batch 1`, '');
  out.push(
    'MACs per layer: THOP (legacy = thop 0.1.1 as DCASE 2023 ran it; current = ultralytics/thop) and sedjoule (useful MACs, padding MACs)',
    '',
  );
  out.push(
    row(['layer', 'THOP rule', 'THOP legacy', 'THOP current', 'sedjoule macs', 'sedjoule paddingMacs', 'THOP legacy - (macs + padding)']),
  );
  out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:']));
  for (const l of layers) {
    if (!(l.thopLegacy || l.thopCurrent || l.macs || l.paddingMacs)) continue;
    out.push(
      row([l.layer, l.thopRule, n(l.thopLegacy), n(l.thopCurrent), n(l.macs), n(l.paddingMacs), n(l.thopLegacy - l.macs - l.paddingMacs)]),
    );
  }
  out.push(
    row([
      '**total**',
      '',
      `**${n(counts.thopLegacy)}**`,
      `**${n(counts.thopCurrent)}**`,
      `**${n(sedMacs)}**`,
      `**${n(report.forward.paddingMacs)}**`,
      `**${n(counts.thopLegacy - sedMacs - report.forward.paddingMacs)}**`,
    ]),
  );
  out.push('');
  out.push(`published (DCASE 2023 README): 930.902 M, i.e. [${n(PUBLISHED - PUBLISHED_ROUNDING)}, ${n(PUBLISHED + PUBLISHED_ROUNDING)})`);
  out.push(
    `THOP legacy total ${n(counts.thopLegacy)}: residual ${n(counts.thopLegacy - PUBLISHED)} (inside the rounding of the published figure)`,
  );
  out.push(
    `THOP current total ${n(counts.thopCurrent)}: residual ${n(counts.thopCurrent - PUBLISHED)} (the exact-window AvgPool rule counts one add per pooled input)`,
  );
  out.push('');
  out.push('Per kernel type (summed over layers):', '');
  out.push(
    row([
      'kernel',
      'layers',
      'THOP legacy',
      'THOP current',
      'DeepSpeed MACs',
      'sedjoule macs',
      'sedjoule paddingMacs',
      'sedjoule fwd FLOPs',
      'DeepSpeed fwd FLOPs',
    ]),
  );
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const t of types)
    out.push(
      row([
        t.type,
        t.layers,
        n(t.thopLegacy),
        n(t.thopCurrent),
        n(t.deepspeedMacs),
        n(t.macs),
        n(t.paddingMacs),
        n(t.forwardFlops),
        n(t.deepspeedFlops),
      ]),
    );
  out.push(
    row([
      '**total**',
      '',
      `**${n(counts.thopLegacy)}**`,
      `**${n(counts.thopCurrent)}**`,
      `**${n(counts.deepspeedMacs)}**`,
      `**${n(sedMacs)}**`,
      `**${n(report.forward.paddingMacs)}**`,
      `**${n(report.forward.flops - (loss?.forward.flops ?? 0))}**`,
      `**${n(counts.deepspeedFlops)}**`,
    ]),
  );
  out.push('');
  out.push('Backward / forward FLOPs per layer, measured (sedjoule) vs assumed (DeepSpeed: 2):', '');
  out.push(row(['layer', 'fwd FLOPs', 'bwd input', 'bwd weight', 'bwd bias', 'bwd / fwd']));
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:']));
  for (const l of layers) {
    if (!l.forwardFlops && !l.backwardFlops) continue;
    out.push(row([l.layer, n(l.forwardFlops), n(l.backwardInputFlops), n(l.backwardWeightFlops), n(l.backwardBiasFlops), r(l.ratio)]));
  }
  if (loss) out.push(row(['loss (bce)', n(loss.forward.flops), n(loss.backward.inputFlops), '0', '0', r(loss.ratio)]));
  out.push(
    row([
      '**total**',
      `**${n(report.forward.flops)}**`,
      `**${n(report.backwardPasses.input.flops)}**`,
      `**${n(report.backwardPasses.weight.flops)}**`,
      `**${n(report.backwardPasses.bias.flops)}**`,
      `**${r(report.backwardForwardRatio)}**`,
    ]),
  );
  out.push('');
  out.push('Per kernel type:', '');
  out.push(row(['kernel', 'fwd FLOPs', 'bwd FLOPs', 'bwd / fwd']));
  out.push(row(['---', '---:', '---:', '---:']));
  for (const t of types) if (t.forwardFlops) out.push(row([t.type, n(t.forwardFlops), n(t.backwardFlops), r(t.ratio)]));
  out.push('');
  out.push(
    `sedjoule: forward ${n(report.forward.flops)} FLOPs, backward ${n(report.backward.flops)} FLOPs (measured), ratio ${r(report.backwardForwardRatio)}`,
  );
  out.push(
    `DeepSpeed: forward ${n(counts.deepspeedFlops)} FLOPs (batch norm in training, 5E), backward assumed 2 x = ${n(2 * counts.deepspeedFlops)}; MACs ${n(counts.deepspeedMacs)} (the GRU's 0)`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
