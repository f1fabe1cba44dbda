/**
 * `sedjoule dcase-report RESULTS`: writes dcase-report.json, dcase-report.md and emissions.csv, and
 * prints the markdown (or the JSON report with --json).
 */
import { SedjouleError } from '../errors.js';
import { DCASE_YEARS, type DcaseOptions, type DcaseYear } from '../analysis/dcase.js';
import { analyzeOptions } from './analyze.js';

export function dcaseOptions(argv: {
  trainRun?: string;
  testRun?: string;
  baselineRun?: string;
  score?: number;
  year?: number;
  energy?: string;
  device?: string;
  projectName?: string;
  carbonIntensity?: number;
  pue?: number;
  countryName?: string;
  countryIsoCode?: string;
}): DcaseOptions {
  const year = (argv.year ?? 2023) as DcaseYear;
  if (!DCASE_YEARS.includes(year)) throw new SedjouleError('E_USAGE', `--year: DCASE reference figures are known for ${DCASE_YEARS.join(' and ')}, got ${argv.year}`);
  // DCASE energies are CodeCarbon totals without idle subtraction: gross unless asked otherwise.
  const { energy, device } = analyzeOptions({ energy: argv.energy ?? 'gross', device: argv.device });
  if (argv.score !== undefined && !(Number.isFinite(argv.score) && argv.score >= 0)) throw new SedjouleError('E_USAGE', `--score must be a number >= 0, got ${argv.score}`);
  if (argv.carbonIntensity !== undefined && !(Number.isFinite(argv.carbonIntensity) && argv.carbonIntensity >= 0)) throw new SedjouleError('E_USAGE', `--carbon-intensity must be a number >= 0 g/kWh, got ${argv.carbonIntensity}`);
  if (argv.pue !== undefined && !(Number.isFinite(argv.pue) && argv.pue >= 1)) throw new SedjouleError('E_USAGE', `--pue must be a number >= 1, got ${argv.pue}`);
  return {
    trainRun: argv.trainRun,
    testRun: argv.testRun,
    baselineRun: argv.baselineRun,
    score: argv.score,
    year,
    energy,
    device,
    projectName: argv.projectName,
    carbonIntensityGPerKWh: argv.carbonIntensity,
    pue: argv.pue,
    countryName: argv.countryName,
    countryIsoCode: argv.countryIsoCode,
  };
}
