/**
 * Where and with what a run was made: machine, CPU and GPUs, driver and library versions, the git
 * commit of this package. A fact that cannot be found is null with the reason, never guessed.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

import type { MeterDescription } from '../energy/types.js';
import { loadAddon } from '../native.js';
import type { Provenance } from '../records/run-record.js';
import { packageRoot, packageVersion } from '../version.js';

function git(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', packageRoot, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout || r.stderr || r.error?.message || '').trim() };
}

export function provenance(meter?: MeterDescription): Provenance {
  const info = loadAddon().info();
  const head = git(['rev-parse', 'HEAD']);
  const status = head.ok ? git(['status', '--porcelain', '--untracked-files=no']) : undefined;
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
    git: head.ok
      ? { commit: head.out, dirty: status ? status.out.length > 0 : null }
      : { commit: null, dirty: null, reason: `not a git checkout (${head.out.split('\n')[0]})` },
  };
}
