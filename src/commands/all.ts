/** Every command of the command line, in the order `sedjoule --help` lists them. */
import type { Command } from './command.js';
import { analyzeCommand } from './analyze.js';
import { dcaseReportCommand } from './dcase-report.js';
import { demoCommand } from './demo.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { kernelEnergyCommand } from './kernel-energy.js';
import { measureCommandLine } from './measure.js';
import { mergeCommand } from './merge.js';
import { normalizeCommand } from './normalize.js';
import { predictCommand } from './predict.js';
import { presetsCommand } from './presets.js';
import { probeCommand } from './probe.js';
import { profileCommand } from './profile.js';
import { reportCommand } from './report.js';
import { sensorStudyCommand } from './sensor-study.js';
import { sweepCommand } from './sweep.js';
import { synthCommand } from './synth.js';
import { trainCommand } from './train.js';

export const COMMANDS: Command[] = [
  demoCommand,
  infoCommand,
  trainCommand,
  profileCommand,
  importCommand,
  predictCommand,
  kernelEnergyCommand,
  measureCommandLine,
  presetsCommand,
  synthCommand,
  probeCommand,
  sensorStudyCommand,
  sweepCommand,
  mergeCommand,
  analyzeCommand,
  reportCommand,
  normalizeCommand,
  dcaseReportCommand,
];
