#!/usr/bin/env node
// The paper43 grid and dcase-crnn as the table in docs/models.md: parameters (Network.inspect), and
// from one profile of each (one training step on one clip, batch 1: src/experiment/profile.ts)
// forward MACs, padding MACs, forward FLOPs, the counted backward/forward FLOP ratio and MACs per
// 10 s of audio; next to them what THOP and DeepSpeed would report (scripts/counters.mjs).
// node scripts/models-table.mjs [--json] [--only paper43:5,dcase-crnn]   (after npx tsc -p tsconfig.build.json)
// The largest configurations allocate up to ~9 GB (the 554 M-parameter MLP with Adam state) and
// the whole grid takes a few minutes on two cores.
import { runProfile } from '../dist/index.js';
import { PRESETS, modelRefSpec } from '../dist/models/presets.js';
import { Network } from '../dist/network.js';
import { networkCounts } from './counters.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : null;
const entries = [...PRESETS.paper43.entries, ...PRESETS['dcase-crnn'].entries].filter((e) => !only || only.has(e.id));

const rows = [];
for (const entry of entries) {
  const report = await runProfile({ model: entry.model, frontend: entry.frontend, classes: 10, seed: 1, threads: 0 });
  const description = Network.inspect(modelRefSpec(entry.model, { inputShape: report.inputShape, classes: 10, seed: 1 }));
  const counts = networkCounts(description, { training: true });
  rows.push({
    id: entry.id,
    name: entry.name,
    params: description.parameters,
    inputShape: report.inputShape,
    forwardMacs: report.forward.macs,
    forwardPaddingMacs: report.forward.paddingMacs,
    forwardFlops: report.forward.flops,
    backwardFlops: report.backward.flops,
    ratio: report.backwardForwardRatio,
    optimizerFlops: report.optimizer.flops,
    macsPer10s: report.per10s.macs,
    per10sScale: report.per10s.scale,
    thopMacs: counts.thopLegacy,
    deepspeedMacs: counts.deepspeedMacs,
  });
  if (!json) process.stderr.write(`${entry.id} done\n`);
}

if (json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const m = (v) => (v / 1e6).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const out = [
    '| id | model | parameters | fwd M MACs | padding M MACs | fwd M FLOPs | bwd / fwd | M MACs per 10 s | THOP M MACs | DeepSpeed M MACs |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.id} | ${r.name} | ${r.params.toLocaleString('en-US')} | ${m(r.forwardMacs)} | ${m(r.forwardPaddingMacs)} | ${m(r.forwardFlops)} | ${r.ratio.toFixed(3)} | ${m(r.macsPer10s)} | ${m(r.thopMacs)} | ${m(r.deepspeedMacs)} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
