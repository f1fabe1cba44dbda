/**
 * Every sample of every source, written as the run goes: the meter keeps a ring of recent samples
 * per source (an hour at 20 Hz by default), so the stream reads the ring every `everyS` seconds
 * and appends the samples it has not written yet. A source whose ring dropped samples before they
 * were written (a read of more than an hour's samples apart) is counted in `lost`, never hidden.
 *
 * CSV (pandas.read_csv reads it as it is): time_s (seconds since the meter started), source,
 * method, power_w, counter_j (the source's energy since the meter started: its counter, or its
 * power integrated, or its model), gpu_utilisation_pct, memory_utilisation_pct, memory_used_bytes;
 * an empty cell where the source has no reading. JSON Lines: one object per sample, same fields.
 */
import fs from 'node:fs';

import type { Meter } from '../energy/meter.js';
import type { EnergyTrace } from '../energy/types.js';
import { csvLine } from '../util/csv.js';

export const SAMPLE_COLUMNS = [
  'time_s',
  'source',
  'method',
  'power_w',
  'counter_j',
  'gpu_utilisation_pct',
  'memory_utilisation_pct',
  'memory_used_bytes',
] as const;

export type SampleFormat = 'csv' | 'jsonl';

type TraceSource = EnergyTrace['sources'][number];

/** The latest power and energy so far of each source, for the live line. */
export interface SourceNow {
  id: string;
  powerW: number | null;
  joules: number | null;
}

export class SampleStream {
  private readonly written = new Map<string, number>(); // source -> time of the last sample written
  private readonly seenDropped = new Map<string, number>();
  private readonly first = new Map<string, number | null>(); // source -> its first counter reading
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private fd: number | undefined;
  /** Samples a ring dropped before they could be written, per source. */
  readonly lost = new Map<string, number>();
  now: SourceNow[] = [];

  constructor(
    private readonly meter: Meter,
    file: string | undefined,
    private readonly format: SampleFormat,
  ) {
    if (file) {
      this.fd = fs.openSync(file, 'w');
      if (format === 'csv') fs.writeSync(this.fd, csvLine(SAMPLE_COLUMNS));
    }
  }

  /** Reads the rings every `everyS` seconds; `onRead` after each read (the live line). */
  start(everyS: number, onRead?: () => void): void {
    this.timer = setInterval(() => {
      this.read();
      onRead?.();
    }, everyS * 1000);
  }

  /** A last read, then closes the file; once. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.read();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private read(): void {
    const trace = this.meter.trace();
    const lines: string[] = [];
    this.now = trace.sources.map((s) => this.append(s, lines));
    if (this.fd !== undefined && lines.length) fs.writeSync(this.fd, lines.join(''));
  }

  private append(s: TraceSource, lines: string[]): SourceNow {
    const after = this.written.get(s.id) ?? -Infinity;
    // Samples the ring dropped since the last read, that is, before this read could write them.
    const dropped = s.droppedSamples - (this.seenDropped.get(s.id) ?? 0);
    if (dropped > 0 && after > -Infinity) this.lost.set(s.id, (this.lost.get(s.id) ?? 0) + dropped);
    this.seenDropped.set(s.id, s.droppedSamples);
    for (let i = 0; i < s.timeS.length; ++i) {
      if (!(s.timeS[i] > after)) continue;
      if (this.fd !== undefined) lines.push(this.line(s, i));
      if (!this.first.has(s.id)) this.first.set(s.id, s.energyJ[i]);
    }
    const last = s.timeS.length - 1;
    if (last >= 0) this.written.set(s.id, s.timeS[last]);
    const start = this.first.get(s.id);
    const counter = last >= 0 ? s.energyJ[last] : null;
    return {
      id: s.id,
      powerW: last >= 0 ? s.powerW[last] : null,
      joules: counter !== null && start !== null && start !== undefined ? counter - start : null,
    };
  }

  private line(s: TraceSource, i: number): string {
    const cells = [
      s.timeS[i],
      s.id,
      s.source,
      s.powerW[i],
      s.energyJ[i],
      s.gpuUtilisationPct[i],
      s.memoryUtilisationPct[i],
      s.memoryUsedBytes[i],
    ];
    if (this.format === 'jsonl') {
      return `${JSON.stringify(Object.fromEntries(SAMPLE_COLUMNS.map((c, k) => [c, cells[k]])))}\n`;
    }
    return csvLine(cells.map((v) => (v === null || v === undefined ? '' : String(v))));
  }
}
