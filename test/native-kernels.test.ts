/**
 * Runs the native kernel suite (test/native, built as sedjoule_native_tests next to the addon):
 * fast kernels against reference loops, finite-difference gradients in float64, cost formulas
 * against the operations the reference loops execute. Once per instruction set this CPU has.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { loadAddon, packageRoot } from '../src/native.js';

const binary = path.join(packageRoot, 'build', 'Release', 'sedjoule_native_tests');

function run(args: string[], isa: string) {
  return spawnSync(binary, args, { encoding: 'utf8', env: { ...process.env, SEDJOULE_ISA: isa }, timeout: 300_000 });
}

const names = fs.existsSync(binary) ? run(['--list'], 'auto').stdout.trim().split('\n') : [];
// A family is the test name up to its first underscore: conv2d_table -> conv2d.
const families = [...new Set(names.map((n) => n.split('_')[0]))];
const native = loadAddon().info();
const isas = ['generic', ...(native.isa === 'avx2' || native.isa === 'avx512' ? ['avx2'] : []), ...(native.isa === 'avx512' ? ['avx512'] : [])];

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
});
