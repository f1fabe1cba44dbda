#!/usr/bin/env node
// The memory of training dcase-crnn, in a fresh process, measured as scripts/crnn_peer.py --memory
// measures PyTorch's: with the addon loaded and one batch of features and labels made, the
// resident set size (RSS) is read; then the network (with its optimiser state) is built (RSS read
// again) and STEPS training steps run. Prints the RSS figures and the process's peak RSS in kB
// (VmRSS and VmHWM of /proc/self/status, proc(5); not process.resourceUsage().maxRSS: Linux
// carries the high-water mark of the image execve replaced into it, so a child of a large parent
// would start at the parent's RSS), and the network's own allocation figures.
//
//   node scripts/bench/train-memory.mjs MELS FRAMES CLASSES THREADS BATCH STEPS
import fs from 'node:fs';

import { dcaseCrnnSpec, loadAddon, Network } from '../../dist/index.js';
import { fill, multiHot } from './fill.mjs';

/** A kB field of /proc/self/status. */
function statusKb(field) {
  const line = fs
    .readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`/proc/self/status has no ${field}`);
  return Number.parseInt(line.split(/\s+/)[1], 10);
}

const [mels, frames, classes, threads, batch, steps] = process.argv.slice(2).map(Number);
loadAddon();
const x = fill(batch * mels * frames, 3);
const y = multiHot(batch * classes);

const rssBeforeModelKb = statusKb('VmRSS');
const net = Network.create(dcaseCrnnSpec([1, mels, frames], classes, 1), { threads });
const rssBeforeStepKb = statusKb('VmRSS');
const maxRssBeforeStepKb = statusKb('VmHWM');
for (let s = 0; s < steps; ++s) await net.trainStep(x, y);
const peakKb = statusKb('VmHWM');
process.stdout.write(
  `${JSON.stringify({ rssBeforeModelKb, rssBeforeStepKb, maxRssBeforeStepKb, peakKb, steps, network: net.description.memory })}\n`,
);
net.dispose();
