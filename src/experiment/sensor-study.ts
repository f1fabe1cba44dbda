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
import { STUDY_FILES, writeStudyFiles } from '../sensors/study-files.js';
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
  const study = analyseStudy(traces, settings, reference);
  const written = writeStudyFiles(dir, study, traces);
  const report = path.join(dir, STUDY_FILES.report);
  writeFileAtomic(report, sensorStudyPage(study, traces.study));
  return { study, files: { ...written, loadLog, report } };
}
