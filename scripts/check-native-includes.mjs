// The floors of native/ and binding/, checked: every `#include "..."` is resolved to the folder of
// the file it names, and the check fails (exit 1, each offending include with file:line) when a
// folder includes one it may not (a lower floor including a higher one, or energy/ reaching for the
// kernels), when two folders include each other through any chain (a circle), or when an include
// names no file. The table below is the one place the rule is written; `--picture` prints the
// floors it implies and the includes actually made.
//
//   node scripts/check-native-includes.mjs [--picture]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const includeRoot = path.join(root, 'native');

// Folder -> the folders its files may include (its own always allowed). A subfolder without an
// entry of its own belongs to the nearest folder above it that has one (network/layers/ is part of
// network/). Paths are relative to native/, except binding/.
const MAY_INCLUDE = {
  base: [], // the typed error every floor throws
  cuda: ['base'], // the CUDA runtime: session, streams, device memory, device list, checks, launches
  core: ['base', 'cuda'], // tensors and buffers, thread pool, JSON, costs, devices
  io: ['base', 'core'], // atomic files
  bench: ['base', 'core'], // the CPU's measured FMA peak
  kernels: ['base', 'core', 'cuda'], // one name per op: shapes, costs, reference loops, both devices' entry points
  'kernels/cpu': ['base', 'core', 'kernels'], // the fast CPU code of the ops
  'kernels/cuda': ['base', 'core', 'cuda', 'kernels'], // the CUDA code of the ops
  ledger: ['base', 'core', 'cuda', 'kernels'], // kernel calls recorded with their costs and times
  network: ['base', 'core', 'cuda', 'io', 'kernels', 'ledger'], // layers, graph, weights, loss, optimiser
  frontend: ['base', 'core', 'cuda', 'kernels', 'ledger'], // the log-mel extractor composing the ops
  energy: ['base', 'core'], // sources, sampler, windows: apart from the kernels
  study: ['base', 'bench', 'core', 'cuda', 'energy'], // the sensor study: known CPU/GPU loads at known times while every sensor is polled
  binding: ['base', 'bench', 'core', 'cuda', 'energy', 'frontend', 'io', 'kernels', 'ledger', 'network', 'study'],
};

const SOURCE = /\.(h|hpp|c|cc|cpp|cu|cuh)$/;
const INCLUDE = /^\s*#\s*include\s*"([^"]+)"/;

function sourcesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourcesUnder(full));
    else if (SOURCE.test(entry.name)) out.push(full);
  }
  return out.sort();
}

// "kernels/cpu" for native/kernels/cpu/gemm.cpp, "binding" for binding/addon.cpp, "network" for
// native/network/layers/relu_layer.cpp; null when no table entry covers the file.
function folderOf(file) {
  const rel = path.relative(root, path.dirname(file)).split(path.sep);
  const parts = rel[0] === 'native' ? rel.slice(1) : rel;
  for (let n = parts.length; n > 0; --n) {
    const key = parts.slice(0, n).join('/');
    if (key in MAY_INCLUDE) return key;
  }
  return null;
}

// An include is looked up beside the including file first, then under native/ (the include root).
function resolve(from, name) {
  for (const base of [path.dirname(from), includeRoot]) {
    const candidate = path.join(base, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const where = (file, line) => `${path.relative(root, file)}:${line}`;
const problems = [];

// The table itself must be free of circles, or it names no floors.
const floorOf = new Map();
function floor(folder, stack = []) {
  if (floorOf.has(folder)) return floorOf.get(folder);
  if (stack.includes(folder))
    throw new Error(`the table of scripts/check-native-includes.mjs has a circle: ${[...stack, folder].join(' -> ')}`);
  const below = MAY_INCLUDE[folder].map((f) => {
    if (!(f in MAY_INCLUDE)) throw new Error(`the table names ${f}/, which has no entry of its own`);
    return floor(f, [...stack, folder]);
  });
  const value = below.length ? 1 + Math.max(...below) : 0;
  floorOf.set(folder, value);
  return value;
}
for (const folder of Object.keys(MAY_INCLUDE)) floor(folder);

// Every include between folders: edges.get(a).get(b) = the first include of b by a, for the report.
const edges = new Map();
const files = [...sourcesUnder(includeRoot), ...sourcesUnder(path.join(root, 'binding'))];
for (const file of files) {
  const from = folderOf(file);
  if (!from) {
    problems.push(`${path.relative(root, file)}: its folder has no entry in the table of scripts/check-native-includes.mjs`);
    continue;
  }
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const m = INCLUDE.exec(text);
      if (!m) return;
      const target = resolve(file, m[1]);
      if (!target) {
        problems.push(
          `${where(file, i + 1)}: #include "${m[1]}" names no file under ${path.relative(root, path.dirname(file))}/ or native/`,
        );
        return;
      }
      const to = folderOf(target);
      if (to === from) return;
      if (!to || !MAY_INCLUDE[from].includes(to)) {
        const allowed = MAY_INCLUDE[from].length ? MAY_INCLUDE[from].map((f) => `${f}/`).join(', ') : 'nothing outside itself';
        problems.push(
          `${where(file, i + 1)}: ${from}/ includes ${to ?? path.relative(root, target)}/ ("${m[1]}"), but ${from}/ may include only ${allowed}`,
        );
      }
      if (!to) return;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, where(file, i + 1));
    });
}

// Circles among the includes actually made (Tarjan's strongly connected components).
{
  let counter = 0;
  const index = new Map(),
    low = new Map(),
    stack = [],
    onStack = new Set();
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length < 2) return;
    // One circle through the component's first folder: breadth-first back to it.
    const start = component.sort()[0];
    const cameFrom = new Map();
    const queue = [start];
    while (queue.length && !cameFrom.has(start)) {
      const a = queue.shift();
      for (const b of edges.get(a)?.keys() ?? []) {
        if (!component.includes(b) || cameFrom.has(b)) continue;
        cameFrom.set(b, a);
        queue.push(b);
      }
    }
    const circle = [];
    for (let b = start, a = cameFrom.get(b); ; b = a, a = cameFrom.get(b)) {
      circle.unshift(`  ${edges.get(a).get(b)}: ${a}/ includes ${b}/`);
      if (a === start) break;
    }
    problems.push(`include circle between ${component.map((f) => `${f}/`).join(', ')}:\n${circle.join('\n')}`);
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
}

if (process.argv.includes('--picture')) {
  const floors = [...new Set(floorOf.values())].sort((a, b) => b - a);
  for (const f of floors) {
    const folders = [...floorOf].filter(([, v]) => v === f).map(([k]) => k);
    for (const folder of folders.sort()) {
      const uses = [...(edges.get(folder)?.keys() ?? [])].sort();
      console.log(
        `floor ${f}  ${`${folder}/`.padEnd(14)} includes ${uses.length ? uses.map((u) => `${u}/`).join(', ') : 'nothing outside itself'}`,
      );
    }
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} include problem${problems.length === 1 ? '' : 's'} (the rule: scripts/check-native-includes.mjs)`);
  process.exit(1);
}
console.log(
  `native includes: ${files.length} files, ${Object.keys(MAY_INCLUDE).length} folders on ${new Set(floorOf.values()).size} floors, no include runs back up, no circles`,
);
