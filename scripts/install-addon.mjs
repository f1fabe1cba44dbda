#!/usr/bin/env node
// `npm install`'s step for the native addon. A prebuilt addon that fits this machine (shipped in
// prebuilds/, named by pkg-prebuilds' convention) is tried first, loaded in a child process so that
// one that cannot load here (an older glibc, another CPU architecture) cannot harm this process;
// when none fits, or SEDJOULE_BUILD_FROM_SOURCE / npm's --build-from-source asks for it, the addon
// is compiled with cmake-js (CMake, a C++17 compiler; CUDA when nvcc is found, or as SEDJOULE_CUDA
// says: AUTO, ON or OFF).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { addonInfo } from './addon-info.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function say(line) {
  process.stderr.write(`sedjoule: ${line}\n`);
}

/** Why the prebuilt addon cannot serve, or null when it loads here. */
function prebuiltProblem() {
  const fromSource = process.env.SEDJOULE_BUILD_FROM_SOURCE || process.env.npm_config_build_from_source;
  if (fromSource && fromSource !== 'false' && fromSource !== '0') return 'a build from source was asked for';
  const loadBinding = require('pkg-prebuilds');
  const found = loadBinding.resolve(root, require(path.join(root, 'binding-options.cjs')), true, false);
  if (!found) return `no prebuilt addon for ${process.platform}-${process.arch} in ${path.join(root, 'prebuilds')}`;
  const { info, problem } = addonInfo(found);
  if (problem) return `the prebuilt addon ${problem}`;
  say(
    `using the prebuilt addon ${path.relative(root, found)} (CPU kernels: ${info.isa}; CUDA backend ${info.cuda.compiled ? 'compiled in' : 'not compiled in'})`,
  );
  return null;
}

const problem = prebuiltProblem();
if (problem === null) process.exit(0);
say(`${problem}; building the addon from source with cmake-js`);
if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) {
  say('this copy of sedjoule has no CMakeLists.txt, so it cannot build the addon');
  process.exit(1);
}
const cmakeArgs = ['compile', '--log-level', 'warn'];
if (process.env.SEDJOULE_CUDA) cmakeArgs.push(`--CDSEDJOULE_CUDA=${process.env.SEDJOULE_CUDA}`);
const build = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), ...cmakeArgs], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  say(
    'building the addon failed. It needs CMake 3.18+ and a C++17 compiler on PATH (CUDA is optional); ' +
      'or point SEDJOULE_ADDON at a sedjoule.node built elsewhere.',
  );
  process.exit(build.status ?? 1);
}
