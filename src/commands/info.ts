/** `sedjoule info`: version, threads, instruction set, and the CUDA backend's state. */
import { loadAddon } from '../native.js';
import { packageVersion } from '../version.js';

export interface InfoReport {
  version: string;
  node: string;
  threads: number;
  isa: string;
  cuda: ReturnType<ReturnType<typeof loadAddon>['info']>['cuda'];
}

export function infoReport(): InfoReport {
  const native = loadAddon().info();
  return { version: packageVersion(), node: process.version, threads: native.defaultThreads, isa: native.isa, cuda: native.cuda };
}

export function printInfo(report: InfoReport): string {
  const lines = [
    `sedjoule ${report.version} (node ${report.node})`,
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
      lines.push(`  device ${d.index}: ${d.name}, compute ${d.computeCapability}, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${d.multiprocessors} SMs`);
    }
  }
  return lines.join('\n');
}
