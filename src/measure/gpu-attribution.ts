/**
 * Which of the command's processes used each GPU, from NVML's per-process lists (running compute
 * processes with their memory, and SM utilisation samples), gathered while the command runs. This
 * is attribution, not measurement: NVML gives no per-process energy, and the GPU's joules stay the
 * whole board's. A device whose driver cannot answer keeps the reason, never an empty "nothing".
 */
import type { Meter } from '../energy/meter.js';

export interface GpuProcessUse {
  pid: number;
  /** The most memory NVML reported for it, bytes (null: NVML could not tell). */
  peakMemoryBytes: number | null;
  /** Mean SM utilisation over its samples, % of the GPU's time (null: no sample). */
  meanSmPercent: number | null;
  smSamples: number;
}

export interface GpuAttributionRecord {
  kind: 'attribution';
  note: string;
  status: string;
  devices: Array<{ id: string; uuid: string | null; processes: GpuProcessUse[]; processesStatus: string; utilisationStatus: string }>;
}

export class GpuAttribution {
  private sinceUs = 0;
  private status = 'not asked yet';
  private note = '';
  private readonly devices = new Map<
    string,
    { uuid: string | null; processesStatus: string; utilisationStatus: string; uses: Map<number, GpuProcessUse & { smSum: number }> }
  >();

  constructor(
    private readonly meter: Meter,
    private readonly root: number,
  ) {}

  /** One reading of NVML's lists for the command's process tree. */
  read(): void {
    const a = this.meter.gpuProcesses({ processTree: this.root, sinceUs: this.sinceUs });
    this.sinceUs = Math.max(this.sinceUs, a.lastSeenUs);
    this.status = a.status;
    this.note = a.note;
    for (const d of a.devices) {
      const device = this.devices.get(d.id) ?? { uuid: d.uuid, processesStatus: '', utilisationStatus: '', uses: new Map() };
      this.devices.set(d.id, device);
      device.processesStatus = d.processesStatus;
      if (d.utilisationStatus !== 'no samples since lastSeenUs') device.utilisationStatus = d.utilisationStatus;
      const use = (pid: number) => {
        const known = device.uses.get(pid) ?? { pid, peakMemoryBytes: null, meanSmPercent: null, smSamples: 0, smSum: 0 };
        device.uses.set(pid, known);
        return known;
      };
      for (const p of d.processes) {
        const u = use(p.pid);
        if (p.usedMemoryBytes !== null) u.peakMemoryBytes = Math.max(u.peakMemoryBytes ?? 0, p.usedMemoryBytes);
      }
      for (const s of d.utilisation) {
        const u = use(s.pid);
        u.smSum += s.smPercent;
        u.smSamples += 1;
      }
    }
  }

  record(): GpuAttributionRecord {
    return {
      kind: 'attribution',
      note: this.note,
      status: this.status,
      devices: [...this.devices].map(([id, d]) => ({
        id,
        uuid: d.uuid,
        processesStatus: d.processesStatus,
        utilisationStatus: d.utilisationStatus || 'no samples',
        processes: [...d.uses.values()].map(({ smSum, ...u }) => ({ ...u, meanSmPercent: u.smSamples ? smSum / u.smSamples : null })),
      })),
    };
  }
}
