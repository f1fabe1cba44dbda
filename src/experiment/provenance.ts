/**
 * Where and with what a run was made: machine, CPU and GPUs, driver and library versions, the git
 * commit of this package. A fact that cannot be found is null with the reason, never guessed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

import type { MeterDescription } from '../energy/types.js';
import { loadAddon, loadedAddon } from '../native.js';
import type { Provenance } from '../records/run-record.js';
import { packageRoot, packageVersion } from '../version.js';

function git(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', packageRoot, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout || r.stderr || r.error?.message || '').trim() };
}

/**
 * The commit of this package's own checkout. An installed package inside someone's repository
 * (node_modules/sedjoule) is not a checkout of sedjoule: git would answer with that repository's
 * commit, so the top level must be the package itself.
 */
function packageCommit(): Provenance['git'] {
  const top = git(['rev-parse', '--show-toplevel']);
  if (!top.ok) return { commit: null, dirty: null, reason: `not a git checkout (${top.out.split('\n')[0]})` };
  if (fs.realpathSync(top.out) !== fs.realpathSync(packageRoot)) {
    return { commit: null, dirty: null, reason: `an installed package, not a git checkout of sedjoule (it lies inside ${top.out})` };
  }
  const head = git(['rev-parse', 'HEAD']);
  if (!head.ok) return { commit: null, dirty: null, reason: `no commit (${head.out.split('\n')[0]})` };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { commit: head.out, dirty: status.ok ? status.out.length > 0 : null };
}

export function provenance(meter?: MeterDescription): Provenance {
  const info = loadAddon().info();
  return {
    sedjoule: packageVersion(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    cpu: { model: os.cpus()[0]?.model ?? 'unknown', logicalCpus: os.availableParallelism(), kernelsIsa: info.isa },
    memoryBytes: os.totalmem(),
    gpus: (meter?.sources ?? [])
      .filter((s) => s.device === 'gpu')
      .map((s) => ({ id: s.id, name: s.name, uuid: s.details.uuid, driver: s.details.driver, powerLimitW: s.details.powerLimitW })),
    cuda: {
      compiled: info.cuda.compiled,
      runtimeVersion: info.cuda.runtimeVersion,
      driverVersion: info.cuda.driverVersion,
      devices: info.cuda.devices.map((d) => `${d.index}: ${d.name}`),
    },
    addon: loadedAddon(),
    git: packageCommit(),
  };
}
