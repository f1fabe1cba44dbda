/**
 * DCASE task 4 energy reporting from constructed run records: kWh, GPU model, MACs per 10 s, the
 * 2023 normalization and energy-weighted scores (hand-computed), the 2022 rule, the CodeCarbon
 * column order of emissions.csv, and empty cells (never zeros) for what was not measured.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CODECARBON_COLUMNS, CODECARBON_LAYOUTS, codecarbonCsv, stableUuid } from '../src/analysis/codecarbon.js';
import { dcaseMarkdown, dcaseReport, macsPer10s, writeDcaseReport } from '../src/analysis/dcase.js';
import type { RunRecord } from '../src/records/run-record.js';
import { packageRoot } from '../src/version.js';
import { gpuSource, makeRecord, modelledCpu, raplPackage, writeResults, type PlannedPhase, type PlannedSource } from './run-records.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const KWH = 3.6e6;

/** Gross = the planted joules: no idle power in these windows. */
const gpu = (J: number | null): PlannedSource => gpuSource(J, { idleW: 0 });
const cpu = (J: number | null): PlannedSource => raplPackage(J, { idleW: 0 });

function phase(seconds: number, sources: PlannedSource[] | undefined, extra: Partial<PlannedPhase> = {}): PlannedPhase {
  return { samples: 100, flops: 1e12, macs: 5e11, bytesRead: 1e9, bytesWritten: 1e8, seconds, sources, gpuUtil: 80, memUtil: 30, ...extra };
}

/** The baseline: 0.016 kWh dev-test inference here (GPU 0.012 + CPU 0.004). */
function baseline(extra: Partial<Parameters<typeof makeRecord>[0]> = {}): RunRecord {
  return makeRecord({
    id: 'dcase-crnn',
    model: { kind: 'dcase-crnn' },
    name: 'dcase-crnn',
    params: 1_112_420,
    phases: { test: phase(60, [gpu(0.012 * KWH), cpu(0.004 * KWH)]) },
    ...extra,
  });
}

/** A submission: 0.5 kWh training (GPU 1.5 MJ + CPU 0.3 MJ), 0.01 kWh dev-test, 5e8 forward MACs per clip. */
function submission(
  extra: Partial<Parameters<typeof makeRecord>[0]> = {},
  testSources: PlannedSource[] | undefined = [gpu(30000), cpu(6000)],
): RunRecord {
  return makeRecord({
    id: 'grid:1',
    model: { kind: 'family', config: { arch: 'cnn', layers: 2, width: 64 } },
    name: 'cnn 2x64 (fixed)',
    params: 250_000,
    phases: {
      train: phase(3600, [gpu(1.5e6), cpu(0.3e6)]),
      test: phase(40, testSources),
      run: phase(2, [gpu(50), cpu(10)], { samples: 10, passes: 10, batch: 1, flops: 10 * 1.1e9, macs: 10 * 5e8, paddingMacs: 10 * 2e7 }),
    },
    startedAt: '2025-03-01T10:00:00.000Z',
    ...extra,
  });
}

function parseCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const [head, ...lines] = text.trim().split('\n');
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v]))) };
}

describe('dcase-report', () => {
  it('training and dev-test kWh, normalized with the 2023 references, and the energy-weighted scores', () => {
    const r = dcaseReport([submission(), baseline()], { score: 0.5 });
    expect(r.submission.configId).toBe('grid:1');
    expect(r.baseline.runs).toEqual(['dcase-crnn#r0']);
    expect(r.energy.basis).toBe('gross');
    expect(r.energy.methods.sort()).toEqual(['nvml-counter', 'rapl']);
    expect(r.training.kWh).toBeCloseTo(0.5, 12);
    expect(r.devTest.kWh).toBeCloseTo(0.01, 12);
    expect(r.baselineDevTest.kWh).toBeCloseTo(0.016, 12);
    // E_norm = E x 0.032 / 0.016.
    expect(r.normalised.factor).toBeCloseTo(2, 12);
    expect(r.normalised.trainingKWh).toBeCloseTo(1.0, 12);
    expect(r.normalised.devTestKWh).toBeCloseTo(0.02, 12);
    // EW = score x reference / E_norm: 0.5 x 1.39 / 1.0 and 0.5 x 0.019 / 0.02.
    expect(r.energyWeighted.training).toBeCloseTo(0.695, 12);
    expect(r.energyWeighted.test).toBeCloseTo(0.475, 12);
    expect(r.references.appliesTo['0.032 kWh']).toMatch(/baseline dev-test inference/);
    expect(r.references.appliesTo['1.39 kWh']).toMatch(/EW_train/);
    expect(r.references.appliesTo['0.019 kWh']).toMatch(/EW_test/);
    expect(r.hardware.gpuModel).toBe('NVIDIA Test GPU');
    expect(r.hardware.sameAsBaseline).toBe(true);
  });

  it('the 2022 rule uses raw energies against 1.717 and 0.030 kWh', () => {
    const r = dcaseReport([submission(), baseline()], { score: 0.5, year: 2022 });
    expect(r.normalised.trainingKWh).toBeCloseTo(0.5, 12);
    expect(r.energyWeighted.training).toBeCloseTo((0.5 * 1.717) / 0.5, 12);
    expect(r.energyWeighted.test).toBeCloseTo((0.5 * 0.03) / 0.01, 12);
  });

  it('MACs for 10 s of audio from the run phase, scaled like sedjoule profile', () => {
    const r = dcaseReport([submission(), baseline()]);
    // dcase front end: the input covers the whole 10 s clip.
    expect(r.macs10s.forwardMacsPerClip).toBe(5e8);
    expect(r.macs10s.macs).toBe(5e8);
    expect(r.macs10s.macsWithPadding).toBe(5.2e8);
    expect(r.macs10s.scale).toBe(1);
    expect(r.macs10s.from).toMatch(/run phase/);
    // toolbox: 64 frames of a 44.1 kHz clip, 64 x 256 / 44100 s; 10 s is that many windows.
    const toolbox = submission({
      frontend: { sampleRate: 44100, frames: 64, fMax: 22050, amplitude: 'none', clamp: false, normalize: 'none' },
      inputShape: [1, 128, 64],
    });
    const m = macsPer10s(toolbox);
    const scale = 10 / ((64 * 256) / 44100);
    expect(m.scale).toBeCloseTo(scale, 12);
    expect(m.macs).toBe(Math.round(5e8 * scale));
    expect(m.note).toMatch(/consecutive 64-frame windows/);
    const random = macsPer10s(submission({ frontend: null }));
    expect(random.macs).toBeNull();
    expect(random.reason).toMatch(/random features/);
  });

  it('emissions.csv: CodeCarbon columns in order, kWh, and empty cells for what was not measured', () => {
    const r = dcaseReport([submission(), baseline()], { countryIsoCode: 'FRA' });
    const csv = parseCsv(codecarbonCsv(r.emissions.rows));
    expect(csv.header).toEqual([
      'timestamp',
      'project_name',
      'run_id',
      'experiment_id',
      'duration',
      'emissions',
      'emissions_rate',
      'cpu_power',
      'gpu_power',
      'ram_power',
      'cpu_energy',
      'gpu_energy',
      'ram_energy',
      'energy_consumed',
      'country_name',
      'country_iso_code',
      'region',
      'cloud_provider',
      'cloud_region',
      'os',
      'python_version',
      'codecarbon_version',
      'cpu_count',
      'cpu_model',
      'gpu_count',
      'gpu_model',
      'longitude',
      'latitude',
      'ram_total_size',
      'tracking_mode',
      'on_cloud',
      'pue',
    ]);
    expect(csv.header).toEqual([...CODECARBON_COLUMNS]);
    // run_id is a UUID, as CodeCarbon's; made from the run key and phase, so the same in every report.
    expect(csv.rows.map((row) => row.run_id)).toEqual(['grid:1#r0/train', 'grid:1#r0/test', 'dcase-crnn#r0/test'].map(stableUuid));
    expect(csv.rows[0].run_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const train = csv.rows[0];
    expect(Number(train.energy_consumed)).toBeCloseTo(0.5, 12);
    expect(Number(train.gpu_energy)).toBeCloseTo(1.5e6 / KWH, 12);
    expect(Number(train.cpu_energy)).toBeCloseTo(0.3e6 / KWH, 12);
    // --country FRA: France's intensity from the shipped table, not the 475 g/kWh global fallback.
    expect(Number(train.emissions)).toBeCloseTo((0.5 * 56.039) / 1000, 12);
    expect(Number(train.emissions_rate)).toBeCloseTo((0.5 * 56.039) / 1000 / 3600, 15);
    expect(train.country_name).toBe('France');
    expect(train.on_cloud).toBe('N');
    expect(r.emissions.intensitySource).toMatch(/France 2023 .*Our World in Data.*CC BY 4\.0/);
    expect(Number(train.duration)).toBe(3600);
    expect(Number(train.gpu_power)).toBeCloseTo(1.5e6 / 3600, 9);
    expect(train.timestamp).toBe('2025-03-01T11:00:05');
    expect(train.gpu_model).toBe('1 x NVIDIA Test GPU');
    expect(train.country_iso_code).toBe('FRA');
    // No DRAM source: empty, not 0.
    expect(train.ram_energy).toBe('');
    expect(train.ram_power).toBe('');
    expect(r.emissions.unfilled.find((c) => c.column === 'ram_energy')!.reason).toMatch(/never 0/);
    expect(dcaseMarkdown(r)).toMatch(/`ram_energy` \(3 of 3 rows\): DRAM was not measured/);
  });

  it('says beside emissions.csv which rows leave sources out, and which are modelled', () => {
    // No RAPL: the GPU's counter beside the modelled CPU. The measured figure leaves the model out.
    const withModel = (extra: Partial<Parameters<typeof makeRecord>[0]> = {}) =>
      submission({
        ...extra,
        phases: { train: phase(3600, [gpu(1.5e6), modelledCpu(0.3e6)]), test: phase(40, [gpu(30000), modelledCpu(6000)]) },
      });
    const r = dcaseReport([withModel(), baseline()], {});
    expect(r.emissions.basis.length).toBe(r.emissions.rows.length);
    expect(r.emissions.basis.map((b) => b.run_id)).toEqual(r.emissions.rows.map((row) => row.run_id));
    const train = r.emissions.basis.find((b) => b.run.endsWith('/train'))!;
    expect(train).toMatchObject({ methods: ['nvml-counter'], modelled: false });
    expect(train.missing).toEqual([{ id: 'cpu-model', reason: 'modelled: left out of a measured figure' }]);
    const base = r.emissions.basis.find((b) => b.run.startsWith('dcase-crnn'))!;
    expect(base.missing).toEqual([]);
    const md = dcaseMarkdown(r);
    expect(md).toMatch(/`grid:1#r0\/train`: PARTIAL: cpu-model left out \(modelled: left out of a measured figure\)/);
    expect(md).not.toMatch(/`dcase-crnn[^`]*`: /);

    // Every run modelled: each row says MODELLED.
    const cpuOnly = (J: number) => [modelledCpu(J)];
    const modelled = dcaseReport(
      [
        submission({ phases: { train: phase(3600, cpuOnly(1e6)), test: phase(40, cpuOnly(3000)) } }),
        baseline({ phases: { test: phase(60, cpuOnly(5000)) } }),
      ],
      {},
    );
    expect(modelled.emissions.basis.every((b) => b.modelled && b.methods.join() === 'modelled')).toBe(true);
    expect(dcaseMarkdown(modelled)).toMatch(/`grid:1#r0\/train`: MODELLED \(modelled\): an estimate, not a measurement/);
  });

  it('a missing dev-test energy stays missing: no normalized figure, no score, no zero in the CSV', () => {
    const r = dcaseReport([submission({}, [gpu(null), cpu(6000)]), baseline()], { score: 0.4 });
    expect(r.devTest.kWh).toBeNull();
    expect(r.devTest.reason).toMatch(/gpu0.*could not be measured/);
    expect(r.normalised.devTestKWh).toBeNull();
    expect(r.energyWeighted.test).toBeNull();
    expect(r.energyWeighted.training).toBeCloseTo((0.4 * 1.39) / 1.0, 12);
    const row = parseCsv(codecarbonCsv(r.emissions.rows)).rows.find((x) => x.run_id === stableUuid('grid:1#r0/test'))!;
    expect(row.energy_consumed).toBe('');
    expect(row.gpu_energy).toBe('');
    expect(row.emissions).toBe('');
    expect(dcaseMarkdown(r)).toMatch(/\| dev-test energy \| n\/a \| grid:1#r0: window test: gpu0/);
  });

  it("CPU-only runs say 'none: CPU only' plainly and leave the GPU columns empty", () => {
    const records = [submission({ gpus: [] }, [cpu(5000)]), baseline({ gpus: [], phases: { test: phase(60, [cpu(10000)]) } })];
    // Without GPUs the CPU package is the whole measured energy of every phase.
    records[0].phases.train!.energy!.sources = records[0].phases.train!.energy!.sources.filter((s) => s.device !== 'gpu');
    const r = dcaseReport(records);
    expect(r.hardware.gpuModel).toBe('none: CPU only');
    const row = parseCsv(codecarbonCsv(r.emissions.rows)).rows[0];
    expect(row.gpu_count).toBe('');
    expect(row.gpu_energy).toBe('');
    expect(Number(row.energy_consumed)).toBeCloseTo(0.3e6 / KWH, 12);
  });

  it('defaults and refusals: the dcase-crnn runs are the baseline; ambiguity is an error naming the keys', () => {
    expect(() => dcaseReport([submission()])).toThrow(/no dcase-crnn run.*--baseline-run/);
    const other = submission({ id: 'grid:2' });
    expect(() => dcaseReport([submission(), other, baseline()])).toThrow(/several configurations besides the baseline \(grid:1, grid:2\)/);
    const picked = dcaseReport([submission(), other, baseline()], { trainRun: 'grid:2#r0' });
    expect(picked.submission.trainRuns).toEqual(['grid:2#r0']);
    expect(() => dcaseReport([submission(), baseline()], { trainRun: 'nope' })).toThrow(/matches no run key or configuration id/);
    const different = dcaseReport([submission(), baseline({ host: 'elsewhere' })]);
    expect(different.hardware.sameAsBaseline).toBe(false);
    expect(different.notes.join(' ')).toMatch(/same hardware/);
    const self = dcaseReport([baseline({ phases: { train: phase(100, [gpu(1e5)]), test: phase(60, [gpu(0.016 * KWH)]) } })]);
    expect(self.normalised.devTestKWh).toBeCloseTo(0.032, 12);
  });

  it('writes dcase-report.json, dcase-report.md and emissions.csv atomically', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-dcase-'));
    const files = writeDcaseReport(dcaseReport([submission(), baseline()], { score: 0.5 }), dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['dcase-report.json', 'dcase-report.md', 'emissions.csv']);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8')).energyWeighted.training).toBeCloseTo(0.695, 12);
    expect(fs.readFileSync(files.markdown, 'utf8')).toMatch(/# DCASE 2023 task 4 energy report/);
  });

  it('sedjoule dcase-report on a results folder', () => {
    const results = writeResults(fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-dcase-results-')), [submission(), baseline()]);
    const out = path.join(results, 'report');
    const r = spawnSync(process.execPath, [cli, 'dcase-report', results, '--score', '0.5', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| training energy \| 0\.5 kWh/);
    expect(r.stdout).toMatch(/\| normalized training energy \| 1 kWh/);
    expect(r.stdout).toMatch(/\| energy-weighted score, training \| 0\.695/);
    expect(r.stdout).toMatch(/MACs for 10 s of audio \| 500,000,000/);
    const csv = parseCsv(fs.readFileSync(path.join(out, 'emissions.csv'), 'utf8'));
    expect(csv.header).toEqual([...CODECARBON_COLUMNS]);
    expect(csv.rows).toHaveLength(3);
    const old = spawnSync(
      process.execPath,
      [cli, 'dcase-report', results, '--out', out, '--codecarbon-layout', '2.1.4', '--country-iso-code', 'fra'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(old.status, old.stderr).toBe(0);
    const oldCsv = parseCsv(fs.readFileSync(path.join(out, 'emissions.csv'), 'utf8'));
    expect(oldCsv.header).toEqual([...CODECARBON_LAYOUTS['2.1.4'].columns]);
    expect(oldCsv.rows[0].country_iso_code).toBe('FRA');
    const bad = spawnSync(process.execPath, [cli, 'dcase-report', results, '--year', '2024', '--out', out], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("E_USAGE: --year must be 2022 or 2023, got '2024'");
  });
});
