/**
 * A study read back from its folder (`sedjoule sensor-study --from DIR`): the traces rebuilt from
 * samples.csv and loads.csv, the settings and channel descriptions from study.json, so the analysis
 * can run again (a newer sedjoule, another target error, a reference meter added) on the readings
 * as they were, without measuring again.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { parseCsv, requireColumns } from '../util/csv.js';
import type { StudySettings, StudyTraces } from './run-study.js';
import { STUDY_FILES } from './study-files.js';
import type { SensorStudyResult } from './study-result.js';
import type { ChannelMethod, SensorTrace, TraceBurst, TraceChannel } from './trace.js';

function read(dir: string, name: string): { file: string; text: string } {
  const file = path.join(dir, name);
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch (error) {
    throw new SedjouleError(
      'E_IO',
      `${file}: cannot be read (${(error as Error).message}); give a folder written by sedjoule sensor-study --out`,
    );
  }
}

function number(text: string, file: string, line: number, column: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new SedjouleError('E_DATA', `${file}:${line}: ${column}: expected a number, got '${text}'`);
  return value;
}

export function readSavedStudy(dir: string): { traces: StudyTraces; settings: StudySettings; previous: SensorStudyResult } {
  const studyFile = read(dir, STUDY_FILES.study);
  let previous: SensorStudyResult;
  try {
    previous = JSON.parse(studyFile.text) as SensorStudyResult;
  } catch (error) {
    throw new SedjouleError('E_DATA', `${studyFile.file}: not JSON (${(error as Error).message})`);
  }
  if (previous?.command !== 'sensor-study' || !previous.traces?.study)
    throw new SedjouleError('E_DATA', `${studyFile.file}: not a study.json written by sedjoule sensor-study`);

  const samples = read(dir, STUDY_FILES.samples);
  const table = parseCsv(samples.text, samples.file);
  const col = requireColumns(table, samples.file, ['trace', 'channel', 'method', 'quantity', 'unit', 'time_s', 'previous_read_s', 'value']);
  const pieces: Record<string, Map<string, TraceChannel>> = { 'grid-probe': new Map(), study: new Map() };
  for (const row of table.rows) {
    const f = row.fields;
    const piece = pieces[f[col.trace]];
    if (!piece)
      throw new SedjouleError('E_DATA', `${samples.file}:${row.line}: trace: expected grid-probe or study, got '${f[col.trace]}'`);
    const id = f[col.channel];
    let channel = piece.get(id);
    if (!channel) {
      const described = previous.channels.find((c) => c.channel === id);
      const quantity = f[col.quantity];
      if (quantity !== 'power' && quantity !== 'energy')
        throw new SedjouleError('E_DATA', `${samples.file}:${row.line}: quantity: expected power or energy, got '${quantity}'`);
      channel = {
        id,
        source: id.split('/')[0],
        device: described?.device ?? '',
        name: described?.name ?? '',
        field: described?.field ?? id.split('/').slice(1).join('/'),
        quantity,
        unit: f[col.unit],
        method: f[col.method] as ChannelMethod,
        resolution: 0,
        pollIntervalS: 0,
        reads: described?.reads ?? 0,
        failedReads: described?.failedReads ?? 0,
        firstError: described?.firstError ?? null,
        changes: [],
      };
      piece.set(id, channel);
    }
    channel.changes.push({
      t: number(f[col.time_s], samples.file, row.line, 'time_s'),
      tPrev: number(f[col.previous_read_s], samples.file, row.line, 'previous_read_s'),
      value: number(f[col.value], samples.file, row.line, 'value'),
    });
  }

  const loads = read(dir, STUDY_FILES.loads);
  const loadTable = parseCsv(loads.text, loads.file);
  const lc = requireColumns(loadTable, loads.file, ['label', 'intensity', 'planned_s', 'start_s', 'end_s']);
  const bursts: TraceBurst[] = loadTable.rows.map((row) => ({
    label: row.fields[lc.label],
    intensity: number(row.fields[lc.intensity], loads.file, row.line, 'intensity'),
    plannedS: number(row.fields[lc.planned_s], loads.file, row.line, 'planned_s'),
    startS: number(row.fields[lc.start_s], loads.file, row.line, 'start_s'),
    endS: number(row.fields[lc.end_s], loads.file, row.line, 'end_s'),
  }));

  const trace = (name: 'grid-probe' | 'study', span: { startS: number; endS: number }, withBursts: TraceBurst[]): SensorTrace => ({
    startS: span.startS,
    endS: span.endS,
    channels: [...pieces[name].values()],
    bursts: withBursts,
    sources: previous.sources,
    notes: previous.notes,
  });
  return {
    traces: {
      gridProbe: trace('grid-probe', previous.traces.gridProbe, []),
      study: trace('study', previous.traces.study, bursts),
      partTimeGrid: previous.partTimeGrid,
    },
    settings: previous.settings,
    previous,
  };
}
