/** `sedjoule info`: version, threads, instruction set, and the CUDA backend's state. */
import { type AddonOrigin, loadAddon, loadedAddon } from '../native.js';
import { packageVersion } from '../version.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

export const infoCommand = defineCommand({
  command: 'info',
  describe:
    'Version, the addon file loaded (local build, prebuilt or SEDJOULE_ADDON), threads, CPU kernel instruction set, and whether CUDA was compiled in and which devices are visible',
  builder: (c) => c.example('$0 info --json', 'the same as JSON (cuda.compiled, cuda.devices)'),
  handler: (argv) => {
    const report = infoReport();
    emit('info', argv, report, () => printInfo(report));
  },
});

interface InfoReport {
  version: string;
  node: string;
  addon: { path: string; origin: AddonOrigin };
  threads: number;
  isa: string;
  cuda: ReturnType<ReturnType<typeof loadAddon>['info']>['cuda'];
}

function infoReport(): InfoReport {
  const native = loadAddon().info();
  return {
    version: packageVersion(),
    node: process.version,
    addon: loadedAddon(),
    threads: native.defaultThreads,
    isa: native.isa,
    cuda: native.cuda,
  };
}

function printInfo(report: InfoReport): string {
  const lines = [
    `sedjoule ${report.version} (node ${report.node})`,
    `addon: ${report.addon.path} (${report.addon.origin})`,
    `threads: ${report.threads} (kernels use this many unless --threads or SEDJOULE_THREADS says otherwise)`,
    `cpu kernels: ${report.isa}`,
  ];
  if (!report.cuda.compiled) {
    lines.push(`cuda: not compiled in (${report.cuda.note})`);
  } else {
    const v = (n: number) => (n ? `${Math.floor(n / 1000)}.${(n % 1000) / 10}` : 'none');
    lines.push(`cuda: compiled in (runtime ${v(report.cuda.runtimeVersion)}, driver ${v(report.cuda.driverVersion)})`);
    if (report.cuda.devices.length === 0) lines.push(`  no device visible: ${report.cuda.note}`);
    for (const d of report.cuda.devices) {
      lines.push(
        `  device ${d.index}: ${d.name}, compute ${d.computeCapability}, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${d.multiprocessors} SMs`,
      );
    }
  }
  return lines.join('\n');
}
