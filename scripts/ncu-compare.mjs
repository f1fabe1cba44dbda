// Compares Nsight Compute's executed FP32 operations (2 x FFMA + FADD + FMUL, thread-level,
// predicated on) of one training step's CUDA kernels with the ledger's counted FLOPs of the same
// step, per ledger kernel name. A CUDA kernel belongs to the ledger kernel whose name its
// demangled name contains (case-insensitive; "gemm" kernels are reported on their own, since
// conv2d and linear share them). Counted FLOPs exclude padding taps and index arithmetic in
// float; executed ones include whatever the kernel really does, so the ratio says how much work
// the GPU did per counted FLOP.
//   node scripts/ncu-compare.mjs NCU.csv LEDGER.json
import fs from 'node:fs';

const [csvFile, ledgerFile] = process.argv.slice(2);
const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'));
const lines = fs.readFileSync(csvFile, 'utf8').split('\n').filter((l) => l.startsWith('"'));
const cells = (line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"'));
const header = cells(lines[0]);
const col = (name) => header.indexOf(name);
const nameCol = col('Kernel Name');
const metric = (suffix) => header.findIndex((h) => h.includes(suffix));
const [ffma, fadd, fmul] = ['ffma_pred_on.sum', 'fadd_pred_on.sum', 'fmul_pred_on.sum'].map(metric);
const counted = new Map();
for (const r of ledger) counted.set(r.name, (counted.get(r.name) ?? 0) + r.flops);
const names = [...counted.keys()].sort((a, b) => b.length - a.length);
const executed = new Map();
const unmatched = new Map();
for (const line of lines.slice(1)) {
  const c = cells(line);
  if (c.length < header.length || !/\d/.test(c[ffma] ?? '')) continue;
  const num = (i) => Number(String(c[i]).replace(/,/g, '')) || 0;
  const ops = 2 * num(ffma) + num(fadd) + num(fmul);
  const kernel = c[nameCol];
  const owner = names.find((n) => kernel.toLowerCase().includes(n.toLowerCase().replace(/_/g, '')) || kernel.toLowerCase().includes(n.toLowerCase()));
  const key = owner ?? (kernel.toLowerCase().includes('gemm') ? 'gemm (conv2d + linear)' : null);
  if (key) executed.set(key, (executed.get(key) ?? 0) + ops);
  else unmatched.set(kernel, (unmatched.get(kernel) ?? 0) + ops);
}
console.log('ledger kernel              counted FLOP     executed FP32 ops   executed/counted');
for (const [name, flops] of counted) {
  const ops = executed.get(name);
  console.log(`${name.padEnd(26)} ${String(flops).padStart(14)}   ${ops === undefined ? '(no CUDA kernel matched)'.padStart(18) : String(ops).padStart(18)}   ${ops === undefined || flops === 0 ? '-' : (ops / flops).toFixed(4)}`);
}
const gemm = executed.get('gemm (conv2d + linear)');
if (gemm !== undefined) {
  const both = (counted.get('conv2d') ?? 0) + (counted.get('linear') ?? 0);
  console.log(`${'gemm (conv2d + linear)'.padEnd(26)} ${String(both).padStart(14)}   ${String(gemm).padStart(18)}   ${(gemm / both).toFixed(4)}`);
}
for (const [kernel, ops] of unmatched) console.log(`unmatched CUDA kernel: ${kernel.slice(0, 100)}: ${ops} ops`);
