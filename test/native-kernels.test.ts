/**
 * Runs the native kernel suite (test/native, built as sedjoule_native_tests next to the addon):
 * fast kernels against reference loops, finite-difference gradients in float64, cost formulas
 * against the operations the reference loops execute. Once per instruction set this CPU has.
 * Then the same suite built against the CUDA emulator (build-emulated/, a test double of the GPU:
 * docs/cuda.md), where every op with a CUDA version also runs its CUDA passes against the float64
 * reference: each kernel family must report CUDA parity checks.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../src/native.js';
import { packageRoot } from '../src/version.js';

const binary = path.join(packageRoot, 'build', 'Release', 'sedjoule_native_tests');
const emulated = path.join(packageRoot, 'build-emulated', 'Release', 'sedjoule_native_tests_emulated');

function run(args: string[], isa: string, file = binary) {
  return spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, SEDJOULE_ISA: isa }, timeout: 600_000 });
}

// Families whose tests have no CUDA kernel: energy sources, their window accounting and the GPU
// attribution read through NVML, the fake sensors and the sensor trace (their GPU burst is a spin load,
// not a kernel with a reference), and CPU-only helpers (file writes, size arithmetic, random numbers,
// the CPU GEMM's count of executed multiply-adds and the ledger rows that carry it, the CPU's vector
// exp, log and sigmoid).
const HOST_ONLY = new Set([
  'nvml',
  'rapl',
  'window',
  'cpu',
  'gpu',
  'random',
  'atomic',
  'sizes',
  'fake',
  'sensor',
  'gemm',
  'ledger',
  'vector',
]);

const names = fs.existsSync(binary) ? run(['--list'], 'auto').stdout.trim().split('\n') : [];
// A family is the test name up to its first underscore: conv2d_table -> conv2d.
const families = [...new Set(names.map((n) => n.split('_')[0]))];
const native = loadAddon().info();
const isas = [
  'generic',
  ...(native.isa === 'avx2' || native.isa === 'avx512' ? ['avx2'] : []),
  ...(native.isa === 'avx512' ? ['avx512'] : []),
];

describe('native kernel suite', () => {
  it('is built', () => {
    expect(fs.existsSync(binary), `${binary} is missing: run npm run build:native`).toBe(true);
    expect(families.length).toBeGreaterThan(10);
  });

  for (const isa of isas) {
    describe(`instruction set ${isa}`, () => {
      for (const family of families) {
        it(family, () => {
          const result = run(['--filter', `${family}_`], isa);
          expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
          expect(result.stdout).toMatch(/\d+ run, 0 failed/);
        });
      }
    });
  }

  describe('CUDA backend on the emulator', () => {
    it('is built', () => {
      expect(fs.existsSync(emulated), `${emulated} is missing: run npm run build:native:emulated`).toBe(true);
    });
    for (const family of families) {
      it(
        family,
        () => {
          const result = run(['--filter', `${family}_`], 'auto', emulated);
          expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
          expect(result.stdout).toMatch(/\d+ run, 0 failed/);
          const parity = /cuda parity: (\d+) ops checked on the device/.exec(result.stdout);
          expect(parity, result.stdout).not.toBeNull();
          if (!HOST_ONLY.has(family)) expect(Number(parity![1]), `${family}: no CUDA pass was checked`).toBeGreaterThan(0);
        },
        600_000,
      );
    }
  });
});
