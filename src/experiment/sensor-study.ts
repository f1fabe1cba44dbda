/**
 * `sedjoule sensor-study` as a library call: the traces (run-study.ts), their analysis
 * (study-result.ts), and the files (study-files.ts, and the report page) in `outDir`.
 */
import fs from 'node:fs';
import path from 'node:path';

import { sensorStudyPage } from '../report/sensor-section.js';
import { ensureFolder, writeFileAtomic } from '../util/atomic.js';
import { readReferenceCsv } from '../sensors/reference-meter.js';
import { runStudyTraces, type StudyProgress, type StudySettings } from '../sensors/run-study.js';
import { readSavedStudy } from '../sensors/saved-study.js';
import { STUDY_FILES, writeRawFiles, writeStudyJson } from '../sensors/study-files.js';
import { analyseStudy, type SensorStudyResult } from '../sensors/study-result.js';

export interface SensorStudyOptions extends Omit<StudySettings, 'loadLog'> {
  outDir: string;
  /** CSV of an external meter (time, watts), compared with every source. */
  reference?: string;
  onProgress?: StudyProgress;
}

export interface SensorStudyFiles {
  study: string;
  samples: string;
  loads: string;
  loadLog: string;
  report: string;
}

export async function sensorStudy(options: SensorStudyOptions): Promise<{ study: SensorStudyResult; files: SensorStudyFiles }> {
  const { outDir, reference: referenceFile, onProgress, ...rest } = options;
  const dir = path.resolve(outDir);
  ensureFolder(dir, 'sensor-study folder');
  // The reference is read first: a bad file should not cost a study's minutes.
  const reference = referenceFile ? await readReferenceCsv(referenceFile) : null;
  // The native load generator appends to the log (creating it): a previous study's lines go first.
  const loadLog = path.join(dir, STUDY_FILES.loadLog);
  fs.rmSync(loadLog, { force: true });
  const settings: StudySettings = { ...rest, loadLog };
  const traces = await runStudyTraces(settings, onProgress);
  const raw = writeRawFiles(dir, traces);
  const study = analyseStudy(traces, settings, reference);
  const report = path.join(dir, STUDY_FILES.report);
  writeFileAtomic(report, sensorStudyPage(study, traces.study));
  // Last: a study.json that exists has its raw files and its page beside it.
  return { study, files: { ...raw, study: writeStudyJson(dir, study), loadLog, report } };
}

/**
 * Analyses a study folder again from its raw files (samples.csv, loads.csv; study.json for the
 * settings): another target error, a reference meter logged at the time, or a newer analysis. Writes
 * study.json and report.html over the old ones; the raw files are left as they are.
 */
export async function reanalyseSensorStudy(
  dir: string,
  options: { reference?: string; targetRelativeError?: number } = {},
): Promise<{ study: SensorStudyResult; files: SensorStudyFiles }> {
  const folder = path.resolve(dir);
  const reference = options.reference ? await readReferenceCsv(options.reference) : null;
  const saved = readSavedStudy(folder);
  const settings = {
    ...saved.settings,
    ...(options.targetRelativeError === undefined ? {} : { targetRelativeError: options.targetRelativeError }),
  };
  const study = analyseStudy(saved.traces, settings, reference);
  const report = path.join(folder, STUDY_FILES.report);
  writeFileAtomic(report, sensorStudyPage(study, saved.traces.study));
  return {
    study,
    files: {
      samples: path.join(folder, STUDY_FILES.samples),
      loads: path.join(folder, STUDY_FILES.loads),
      loadLog: path.join(folder, STUDY_FILES.loadLog),
      study: writeStudyJson(folder, study),
      report,
    },
  };
}
