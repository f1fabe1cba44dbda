// Compares Nsight Compute's executed FP32 operations (2 x FFMA + FADD + FMUL, thread-level,
// predicated on) of one training step's CUDA kernels with the ledger's counted FLOPs of the same
// step, per ledger kernel name. Counted FLOPs exclude padding taps and index arithmetic in
// float; executed ones include whatever the kernel really does, so the ratio says how much work
// the GPU did per counted FLOP.
//   node scripts/ncu-compare.mjs NCU.csv LEDGER.json
import fs from 'node:fs';

const [csvFile, ledgerFile] = process.argv.slice(2);
const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'));
const lines = fs
  .readFileSync(csvFile, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('"'));
const cells = (line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"'));
const header = cells(lines[0]);
const col = (name) => header.indexOf(name);
const nameCol = col('Kernel Name');
const metric = (suffix) => header.findIndex((h) => h.includes(suffix));
const [ffma, fadd, fmul] = ['ffma_pred_on.sum', 'fadd_pred_on.sum', 'fmul_pred_on.sum'].map(metric);
const counted = new Map();
for (const r of ledger) counted.set(r.name, (counted.get(r.name) ?? 0) + r.flops);
// A CUDA kernel belongs to the ledger kernel whose name, without "2d" and "_", its demangled name
// contains (maxPoolForwardKernel -> maxpool2d); the GEMM core and its reductions serve conv2d,
// linear and glu alike, so they are compared with those three together. The GRU runs its GEMMs and
// bias sums on the same kernels, instantiated for its own stores (GruGemmStore, GruBiasStore) and,
// alone, summing in double: those count as the GRU's.
const GEMM = 'gemm core (conv2d + linear + glu)';
const GEMM_KERNELS = /gemmKernel|splitKReduce|planeSums|columnSums/;
const GRU_ON_SHARED_KERNELS = /Gru(Gemm|Bias)Store|columnSumsKernel<double/;
const bare = (name) => name.toLowerCase().replace(/2d|_/g, '');
const names = [...counted.keys()].filter((n) => !['conv2d', 'linear', 'glu'].includes(n)).sort((a, b) => b.length - a.length);
const executed = new Map();
const unmatched = new Map();
for (const line of lines.slice(1)) {
  const c = cells(line);
  if (c.length < header.length || !/\d/.test(c[ffma] ?? '')) continue;
  const num = (i) => Number(String(c[i]).replace(/,/g, '')) || 0;
  const ops = 2 * num(ffma) + num(fadd) + num(fmul);
  const kernel = c[nameCol];
  const key = GRU_ON_SHARED_KERNELS.test(kernel)
    ? 'gru'
    : GEMM_KERNELS.test(kernel)
      ? GEMM
      : names.find((n) => bare(kernel).includes(bare(n)));
  if (key) executed.set(key, (executed.get(key) ?? 0) + ops);
  else unmatched.set(kernel, (unmatched.get(kernel) ?? 0) + ops);
}
console.log('ledger kernel                       counted FLOP     executed FP32 ops   executed/counted');
const row = (name, flops, ops) =>
  console.log(
    `${name.padEnd(35)} ${String(flops).padStart(14)}   ${ops === undefined ? '(no CUDA kernel matched)'.padStart(18) : String(ops).padStart(18)}   ${ops === undefined || flops === 0 ? '-' : (ops / flops).toFixed(4)}`,
  );
const gemmFlops = ['conv2d', 'linear', 'glu'].reduce((a, n) => a + (counted.get(n) ?? 0), 0);
if (gemmFlops) row(GEMM, gemmFlops, executed.get(GEMM));
for (const name of names) row(name, counted.get(name), executed.get(name));
for (const [kernel, ops] of unmatched) console.log(`not attributed: ${kernel.slice(0, 100)}: ${ops} ops`);
