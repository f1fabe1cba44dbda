/**
 * What a sensor study tells the meter and kernel-energy about one energy source: its energy
 * counter's update period as measured (not the nominal one the source declares) and the shortest
 * window that reaches the study's target error. The meter uses the period for its quantisation
 * uncertainty; kernel-energy also sizes its windows by the shortest window.
 *
 * A study matches a meter source by the GPU's UUID when both have one (NVML indices can change
 * between boots), else by the source id ("rapl:package-0"). A study made on another machine
 * matches nothing, and says so.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { isEstimated } from './estimate.js';
import { STUDY_FILES } from './study-files.js';
import type { SensorStudyResult } from './study-result.js';

export interface SourceGuidance {
  /** The study's channel the figures come from, e.g. "nvml:0/energy". */
  channel: string;
  /** Its measured update period, seconds. */
  updatePeriodS: number;
  /** The shortest window for `targetRelativeError`, seconds; null when the study could not say. */
  shortestWindowS: number | null;
  targetRelativeError: number;
  /** The study file, for the record. */
  study: string;
}

interface SourceIdentity {
  id: string;
  details?: Record<string, string>;
}

/** Reads study.json from a sensor-study folder (or the file itself); E_IO / E_DATA naming it. */
export function readSensorStudy(where: string): { file: string; study: SensorStudyResult } {
  const file = fs.existsSync(where) && fs.statSync(where).isDirectory() ? path.join(where, STUDY_FILES.study) : where;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SedjouleError(
      'E_IO',
      `sensor study ${file}: cannot be read (${(error as Error).message}); give the folder sedjoule sensor-study --out wrote`,
    );
  }
  let study: SensorStudyResult;
  try {
    study = JSON.parse(text) as SensorStudyResult;
  } catch (error) {
    throw new SedjouleError('E_DATA', `sensor study ${file}: not JSON (${(error as Error).message})`);
  }
  if (study?.command !== 'sensor-study' || !Array.isArray(study.channels))
    throw new SedjouleError(
      'E_DATA',
      `sensor study ${file}: not a study.json written by sedjoule sensor-study (command: ${JSON.stringify(study?.command)})`,
    );
  return { file, study };
}

function uuidOf(source: SourceIdentity | undefined): string | undefined {
  return source?.details?.uuid;
}

/** The guidance for a meter source, or why there is none. */
export function guidanceFor(source: SourceIdentity, read: { file: string; study: SensorStudyResult }): SourceGuidance | { why: string } {
  const { file, study } = read;
  const studied = (study.sources as SourceIdentity[]).filter((s) => typeof s?.id === 'string');
  const uuid = uuidOf(source);
  const match = uuid ? studied.find((s) => uuidOf(s) === uuid) : studied.find((s) => s.id === source.id && !uuidOf(s));
  if (!match) return { why: `${file} studied no source matching ${source.id}${uuid ? ` (${uuid})` : ''}` };
  const counter = study.channels.find((c) => c.source === match.id && c.quantity === 'energy');
  if (!counter) return { why: `${file}: ${match.id} has no energy counter channel` };
  if (!isEstimated(counter.updatePeriod.period))
    return { why: `${file}: ${counter.channel}'s update period was not estimated (${counter.updatePeriod.period.why})` };
  const window = counter.recommendation?.shortestWindow;
  return {
    channel: counter.channel,
    updatePeriodS: counter.updatePeriod.period.value,
    shortestWindowS: window && isEstimated(window) ? window.value : null,
    targetRelativeError: study.settings.targetRelativeError,
    study: file,
  };
}
