// Loads a sedjoule.node in a child process and reads its info(): an addon that cannot load on this
// machine (an older glibc, another CPU architecture) fails there, not in the caller. Used by the
// install step (scripts/install-addon.mjs) and by the prebuilt addon's build (scripts/prebuild.mjs).
import { spawnSync } from 'node:child_process';

/** `{ info }` from the addon's info(), or `{ problem }` saying why it did not load. */
export function addonInfo(file) {
  const probe = spawnSync(process.execPath, ['-e', 'console.log(JSON.stringify(require(process.argv[1]).info()))', file], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) return { problem: `${file} does not load here:\n${(probe.stderr || probe.stdout).trim()}` };
  return { info: JSON.parse(probe.stdout) };
}
