#!/usr/bin/env node
// Builds the addon that the package ships (npm pack runs this through "prepack"): compiled in its own
// folder (build-prebuild/) with the CUDA backend (CUDA runtime linked statically), every CPU
// instruction set chosen at run time, the C++ runtime linked statically, no tests; stripped and copied
// to prebuilds/ under pkg-prebuilds' name, then loaded to check it. SEDJOULE_PREBUILD_CUDA=OFF builds
// a CPU-only prebuilt addon where no nvcc is installed, and says so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { addonInfo } from './addon-info.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const options = require(path.join(root, 'binding-options.cjs'));
const buildDir = 'build-prebuild';
const cuda = process.env.SEDJOULE_PREBUILD_CUDA === 'OFF' ? 'OFF' : 'ON';

// Build output goes to stderr: `npm pack --json` keeps stdout for its own report.
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['inherit', 2, 2] });
  if (result.status !== 0) {
    process.stderr.write(`prebuild: ${command} ${args.join(' ')} failed (exit ${result.status})\n`);
    process.exit(1);
  }
}

process.stderr.write(`prebuild: compiling the shipped addon in ${buildDir}/ (CUDA ${cuda})\n`);
run(process.execPath, [
  require.resolve('cmake-js/bin/cmake-js'),
  'compile',
  '--log-level',
  'warn',
  '-O',
  buildDir,
  `--CDSEDJOULE_CUDA=${cuda}`,
  '--CDSEDJOULE_BUILD_TESTS=OFF',
  '--CDSEDJOULE_STATIC_CXX_RUNTIME=ON',
]);

fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
for (const napi of options.napi_versions) {
  run(process.execPath, [
    require.resolve('pkg-prebuilds/bin/copy.mjs'),
    '--baseDir',
    path.join(buildDir, 'Release'),
    '--source',
    'sedjoule.node',
    '--name',
    options.name,
    '--strip',
    '--napi_version',
    String(napi),
  ]);
}

const shipped = require('pkg-prebuilds').resolve(root, options, true, true);
const { info, problem } = addonInfo(shipped);
if (problem) {
  process.stderr.write(`prebuild: ${problem}\n`);
  process.exit(1);
}
if (cuda === 'ON' && !info.cuda.compiled) {
  process.stderr.write(`prebuild: ${shipped} was built without the CUDA backend\n`);
  process.exit(1);
}
// The newest glibc symbol version the addon needs is the oldest glibc it loads on; the README
// promises 2.34 (Debian 12, Ubuntu 22.04, RHEL 9), where a machine's own build would otherwise start.
const GLIBC_FLOOR = [2, 34];
const symbols = spawnSync('objdump', ['-T', shipped], { encoding: 'utf8' }).stdout ?? '';
const glibc = [...symbols.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
const newest = glibc.sort((a, b) => a[0] - b[0] || a[1] - b[1]).at(-1);
if (newest && (newest[0] > GLIBC_FLOOR[0] || (newest[0] === GLIBC_FLOOR[0] && newest[1] > GLIBC_FLOOR[1]))) {
  process.stderr.write(`prebuild: ${shipped} needs glibc ${newest.join('.')}, above the promised ${GLIBC_FLOOR.join('.')}:\n`);
  process.stderr.write(
    symbols
      .split('\n')
      .filter((line) => line.includes(`GLIBC_${newest.join('.')}`))
      .join('\n') + '\n',
  );
  process.exit(1);
}
const bytes = fs.statSync(shipped).size;
process.stderr.write(
  `prebuild: ${path.relative(root, shipped)}, ${(bytes / 2 ** 20).toFixed(1)} MiB, CUDA ${info.cuda.compiled ? 'compiled in' : 'not compiled in'}` +
    `${newest ? `, needs glibc ${newest.join('.')}+` : ''}\n`,
);
