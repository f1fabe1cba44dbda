/**
 * What `sedjoule sensor-study --out DIR` writes, each file atomically:
 *   study.json   every estimate (study-result.ts)
 *   samples.csv  every raw reading of the grid probe and of the study: one row per value a channel
 *                showed (its first read, then each read whose value differed from the read before),
 *                with the time of that read and of the read before it, so the change happened
 *                between the two; reads that repeated the previous value are counted in study.json
 *                (`reads`), not listed. Energy counts from each trace's start (its `trace` column).
 *   loads.csv    every burst of load as planned and as it ran
 *   load.log     the live load log, written while the study ran (native/energy/load_bursts.h)
 *   report.html  the sensor section of the report (src/report/sensor-section.ts)
 * Times are steady-clock seconds (CLOCK_MONOTONIC), the axis of every trace.
 */
import path from 'node:path';

import { csvLine } from '../util/csv.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import type { StudyTraces } from './run-study.js';
import type { SensorStudyResult } from './study-result.js';
import type { SensorTrace } from './trace.js';

export const STUDY_FILES = {
  study: 'study.json',
  samples: 'samples.csv',
  loads: 'loads.csv',
  loadLog: 'load.log',
  report: 'report.html',
} as const;

// Enough digits for nanoseconds on a steady clock of a few months, and for any reading.
const time = (s: number) => s.toFixed(9);
const value = (v: number) => String(v);

export function samplesCsv(traces: Record<string, SensorTrace>): string {
  const lines = [csvLine(['trace', 'channel', 'method', 'quantity', 'unit', 'time_s', 'previous_read_s', 'value'])];
  for (const [name, trace] of Object.entries(traces)) {
    for (const c of trace.channels) {
      for (const change of c.changes)
        lines.push(csvLine([name, c.id, c.method, c.quantity, c.unit, time(change.t), time(change.tPrev), value(change.value)]));
    }
  }
  return lines.join('');
}

export function loadsCsv(trace: SensorTrace): string {
  const lines = [csvLine(['label', 'intensity', 'planned_s', 'start_s', 'end_s', 'duration_s'])];
  for (const b of trace.bursts)
    lines.push(csvLine([b.label, value(b.intensity), time(b.plannedS), time(b.startS), time(b.endS), time(b.endS - b.startS)]));
  return lines.join('');
}

/**
 * Writes samples.csv and loads.csv into `dir` (first, so a study whose analysis fails still leaves
 * every reading), then, once the analysis is done, study.json. Returns the paths.
 */
export function writeRawFiles(dir: string, traces: StudyTraces): Record<'samples' | 'loads', string> {
  const files = { samples: path.join(dir, STUDY_FILES.samples), loads: path.join(dir, STUDY_FILES.loads) };
  writeFileAtomic(files.samples, samplesCsv({ 'grid-probe': traces.gridProbe, study: traces.study }));
  writeFileAtomic(files.loads, loadsCsv(traces.study));
  return files;
}

export function writeStudyJson(dir: string, study: SensorStudyResult): string {
  const file = path.join(dir, STUDY_FILES.study);
  writeJsonAtomic(file, study);
  return file;
}
