/**
 * Meter options that scope the sources to a child command: `cpuProcessTree` against REAL child
 * processes (no double: /proc is read as it is), `gpus` against the fake NVML library
 * (test/fake/fake_nvml.c, the documented double at the driver boundary), and visibleGpus.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { Meter, type MeterOptions } from '../src/energy/meter.js';
import { visibleGpus } from '../src/energy/visible-gpus.js';
import type { EnergyWindow } from '../src/energy/types.js';
import { packageRoot } from '../src/version.js';
import { failure } from './helpers.js';

const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const noPowercap = path.join(os.tmpdir(), 'no-such-powercap');
const wattsPerCore = 100 / 4;

// A node script that burns `seconds` of its own CPU time and prints "<label> <process.cpuUsage() seconds>".
const burner = (label: string, seconds: number) =>
  `const s=process.cpuUsage();const u=()=>{const c=process.cpuUsage(s);return (c.user+c.system)/1e6};` +
  `let x=0;while(u()<${seconds})for(let i=0;i<1e4;i++)x+=Math.sqrt(x+i);` +
  `const t=process.cpuUsage();process.stdout.write('${label} '+((t.user+t.system)/1e6+(Number.isNaN(x)?1:0))+'\\n');`;

// The child runs a grandchild burner to its end (spawnSync waits for it and passes its report on),
// then burns 1.5 s itself.
const childScript =
  `const {spawnSync}=require('node:child_process');` +
  `process.stdout.write(spawnSync(process.execPath,['-e',${JSON.stringify(burner('grandchild', 1.0))}],{encoding:'utf8'}).stdout);` +
  burner('child', 1.5);

function burnOwnCpu(seconds: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    const u = process.cpuUsage(start);
    if ((u.user + u.system) / 1e6 >= seconds) break;
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
  }
  if (Number.isNaN(x)) throw new Error('unreachable');
}

const started: Meter[] = [];
afterEach(() => {
  while (started.length) started.pop()!.stop();
});

/** Spawns `args`, starts a meter scoped to its tree, and returns the window over its whole life. */
async function measureChild(args: string[], whileRunning: () => void): Promise<{ window: EnergyWindow; stdout: string; meter: Meter }> {
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const options: MeterOptions = { nvml: false, powercapRoot: noPowercap, cpuTdpWatts: 100, cpuCores: 4, cpuProcessTree: child.pid! };
  const meter = Meter.start(options);
  started.push(meter);
  meter.begin('command');
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  whileRunning();
  expect(await closed).toBe(0);
  return { window: meter.end('command'), stdout, meter };
}

describe('cpuProcessTree', () => {
  it('models the CPU time of a child and its grandchild, not this process', async () => {
    const { window, stdout, meter } = await measureChild([process.execPath, '-e', childScript], () => burnOwnCpu(0.5));
    const child = Number(/^child ([\d.]+)/m.exec(stdout)![1]);
    const grandchild = Number(/^grandchild ([\d.]+)/m.exec(stdout)![1]);
    expect(child).toBeGreaterThanOrEqual(1.5);
    expect(grandchild).toBeGreaterThanOrEqual(1.0);
    const s = window.sources.find((x) => x.id === 'cpu-model')!;
    const description = meter.describe().sources.find((x) => x.id === 'cpu-model')!;
    expect(description.details.scope).toMatch(/^process tree of pid \d+$/);
    expect(description.counterResolutionJ).toBeCloseTo(wattsPerCore / 100, 9); // 10 ms ticks on Linux
    // The tree's reported CPU seconds x TDP/cores, within 25 % (the model's inputs, not timing).
    const expected = (child + grandchild) * wattsPerCore;
    expect(s.joules!).toBeGreaterThan(0.75 * expected);
    expect(s.joules!).toBeLessThan(1.25 * expected);
    expect(window.total.methods).toEqual(['modelled']);
  }, 120_000);

  it('charges nothing for this process busy beside an idle child', async () => {
    const { window } = await measureChild(['sh', '-c', 'sleep 1.5'], () => burnOwnCpu(1.0));
    const s = window.sources.find((x) => x.id === 'cpu-model')!;
    // The same second in-process would be 25 J; sh and sleep use a few ms.
    expect(s.joules!).toBeLessThan(0.15 * wattsPerCore);
  }, 60_000);

  it('rejects a pid that names no process', async () => {
    expect(await failure(() => Meter.start({ nvml: false, powercapRoot: noPowercap, cpuProcessTree: 2147483000 }))).toMatchObject({
      code: 'E_VALUE',
      message: expect.stringMatching(/root pid = 2147483000: \/proc\/2147483000\/stat cannot be read/),
    });
  });
});

describe('gpus', () => {
  const withFake = (devices: number, options: MeterOptions, env: Record<string, string> = {}) => {
    for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_NVML_')) delete process.env[key];
    process.env.FAKE_NVML_DEVICES = String(devices);
    Object.assign(process.env, env);
    const m = Meter.start({ nvmlLibrary: fakeNvml, rapl: false, cpuModel: false, ...options });
    started.push(m);
    return m;
  };

  it('restricts the NVML sources to the named devices', () => {
    const m = withFake(3, { gpus: ['GPU-fa4e0000-0000-0000-0000-000000000002', '0'] });
    expect(m.describe().sources.map((s) => s.id)).toEqual(['nvml:0', 'nvml:2']);
  });

  it('names an unknown device and lists the devices', async () => {
    expect(await failure(() => withFake(2, { gpus: ['GPU-0123'] }))).toMatchObject({
      code: 'E_VALUE',
      message: expect.stringMatching(/gpus: "GPU-0123" matches no NVML device; NVML devices: 0 GPU-fa4e0000-.*000000000000, 1 GPU-fa4e/),
    });
  });

  it('takes CUDA_VISIBLE_DEVICES to NVML selections', async () => {
    expect(visibleGpus({})).toEqual({ note: expect.stringMatching(/unset: every NVML device/) });
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: '' })).toMatchObject({ nvml: false });
    const uuids = visibleGpus({ CUDA_VISIBLE_DEVICES: 'GPU-fa4e0000-0000-0000-0000-000000000001,GPU-8932f937' });
    expect(uuids).toMatchObject({ gpus: ['GPU-fa4e0000-0000-0000-0000-000000000001', 'GPU-8932f937'] });
    expect(uuids.caveat).toBeUndefined();
    const indices = visibleGpus({ CUDA_VISIBLE_DEVICES: '2, 01', CUDA_DEVICE_ORDER: 'PCI_BUS_ID' });
    expect(indices.gpus).toEqual(['2', '1']);
    expect(indices.caveat).toMatch(/NVML \(nvidia-smi\) indices; CUDA_DEVICE_ORDER=PCI_BUS_ID/);
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: '0' }).caveat).toMatch(/FASTEST_FIRST/);
    expect(await failure(() => visibleGpus({ CUDA_VISIBLE_DEVICES: 'MIG-GPU-8932f937/1/0' }))).toMatchObject({
      code: 'E_VALUE',
      message: expect.stringMatching(/MIG instances are not supported/),
    });
    expect(await failure(() => visibleGpus({ CUDA_VISIBLE_DEVICES: '0,-1' }))).toMatchObject({
      code: 'E_VALUE',
      message: expect.stringMatching(/"-1"/),
    });
  });

  it('feeds a CUDA_VISIBLE_DEVICES selection to the meter', () => {
    const { gpus } = visibleGpus({ CUDA_VISIBLE_DEVICES: 'GPU-fa4e0000-0000-0000-0000-000000000001' });
    const m = withFake(2, { gpus });
    expect(m.describe().sources.map((s) => s.id)).toEqual(['nvml:1']);
  });

  it('attributes GPU use to a child process tree, labelled attribution', async () => {
    const child = spawn('sh', ['-c', 'sleep 5']);
    try {
      const m = withFake(2, { gpus: ['1'] }, { FAKE_NVML_PROCESSES: `1:${child.pid}:3000000:40,1:1:99:1,0:${child.pid}:5:5` });
      const a = m.gpuProcesses({ processTree: child.pid! });
      expect(a.kind).toBe('attribution');
      expect(a.note).toMatch(/not measurement/);
      expect(a.pids).toContain(child.pid);
      expect(a.devices.map((d) => d.id)).toEqual(['nvml:1']);
      expect(a.devices[0].processes).toEqual([{ pid: child.pid, usedMemoryBytes: 3000000 }]);
      expect(a.devices[0].utilisation.map((u) => [u.pid, u.smPercent])).toEqual([[child.pid, 40]]);
      expect(m.gpuProcesses({ pids: [12345] }).devices[0].processes).toEqual([]);
    } finally {
      child.kill();
    }
  });

  it('says NVML is disabled rather than answering an empty list', () => {
    const m = Meter.start({ nvml: false, rapl: false, cpuModel: false });
    started.push(m);
    expect(m.gpuProcesses({ pids: [1] })).toMatchObject({ kind: 'attribution', status: 'NVML disabled', devices: [] });
  });
});
