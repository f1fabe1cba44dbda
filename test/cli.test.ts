/** The command line, run as a user runs it: node dist/cli.js (built by `npm test` first). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';

import { COMMANDS } from '../src/commands/all.js';
import { NUMBER_RULES, type NumberFlag, type NumberRule } from '../src/commands/options/numbers.js';
import { optionTable } from '../src/commands/options/option-table.js';
import { packageRoot, packageVersion } from '../src/version.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');

function sedjoule(...args: string[]) {
  return sedjouleWith({}, ...args);
}

function sedjouleWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sedjoule info', () => {
  it('reports version, threads, instruction set and the CUDA state', () => {
    const r = sedjoule('info', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.threads).toBeGreaterThan(0);
    expect(['avx512', 'avx2', 'generic']).toContain(report.isa);
    expect(typeof report.cuda.compiled).toBe('boolean');
    expect(Array.isArray(report.cuda.devices)).toBe(true);
    if (report.cuda.devices.length === 0) expect(report.cuda.note.length).toBeGreaterThan(0);
    expect(fs.existsSync(report.addon.path)).toBe(true);
    expect(report.addon.origin).toBe(process.env.SEDJOULE_ADDON ? 'SEDJOULE_ADDON' : 'local build');
    const text = sedjoule('info');
    expect(text.stdout).toMatch(/cuda: (compiled in|not compiled in)/);
    expect(text.stdout).toContain(`addon: ${report.addon.path} (${report.addon.origin})`);
  });

  it('says when the addon came from SEDJOULE_ADDON', () => {
    const local = JSON.parse(sedjoule('info', '--json').stdout).addon.path;
    const r = sedjouleWith({ SEDJOULE_ADDON: local }, 'info', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).addon).toEqual({ path: local, origin: 'SEDJOULE_ADDON' });
  });
});

describe('loading the addon', () => {
  it('names every path it tried when the addon cannot be loaded', () => {
    const r = sedjouleWith({ SEDJOULE_ADDON: '/nonexistent/sedjoule.node' }, 'info');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_ADDON: cannot load the sedjoule native addon; tried:');
    expect(r.stderr).toContain('/nonexistent/sedjoule.node: not found');
    const bad = sedjouleWith({ SEDJOULE_ADDON: cli }, 'info');
    expect(bad.stderr).toContain(`${cli}: `);
  });

  it('rejects a bad SEDJOULE_THREADS or SEDJOULE_ISA with a clear message', () => {
    expect(sedjouleWith({ SEDJOULE_THREADS: 'many' }, 'info').stderr).toContain('SEDJOULE_THREADS=many: expected an integer in [1, 1024]');
    expect(sedjouleWith({ SEDJOULE_ISA: 'sse9' }, 'info').stderr).toContain('SEDJOULE_ISA=sse9: expected auto, avx512, avx2 or generic');
  });
});

describe('sedjoule train', () => {
  it('trains, tests, and reports per-phase kernel costs as JSON', () => {
    const r = sedjoule(
      'train',
      '--data',
      'random',
      '--arch',
      'cnn',
      '--layers',
      '2',
      '--width',
      '16',
      '--epochs',
      '2',
      '--clips',
      '64',
      '--test-clips',
      '32',
      '--idle',
      '0.3',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    // The envelope: the command, sedjoule's version, and the record's format with its own version.
    expect(report).toMatchObject({ command: 'train', version: packageVersion(), format: 'sedjoule-run', formatVersion: 1 });
    // conv 1->16 (160) + conv 16->16 (2320) + linear 16*32*16 -> 10 (81930)
    expect(report.params).toBe(160 + 2320 + 81930);
    const train = report.phases.train;
    const test = report.phases.test;
    expect(train.result.steps).toBe(16);
    expect(train.result.epochLoss).toHaveLength(2);
    expect(train.result.epochLoss[1]).toBeLessThan(train.result.epochLoss[0]);
    for (const k of [...train.kernels, ...test.kernels]) {
      for (const f of ['name', 'pass', 'calls', 'macs', 'flops', 'bytesRead', 'bytesWritten', 'ms']) expect(k).toHaveProperty(f);
    }
    const passes = new Set(train.kernels.map((k: { pass: string }) => k.pass));
    expect([...passes].sort()).toEqual(['backward-bias', 'backward-input', 'backward-weight', 'forward', 'optimizer']);
    expect(new Set(test.kernels.map((k: { pass: string }) => k.pass))).toEqual(new Set(['forward']));
    const flops = (rows: Array<{ pass: string; flops: number }>, pass: string) =>
      rows.filter((k) => k.pass === pass).reduce((s, k) => s + k.flops, 0);
    // Backward is counted, not assumed: the first conv skips its input gradient, so the ratio is below 2.
    const ratio =
      (flops(train.kernels, 'backward-input') + flops(train.kernels, 'backward-weight') + flops(train.kernels, 'backward-bias')) /
      flops(train.kernels, 'forward');
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(2);
    expect(train.totals.flops).toBe(train.kernels.reduce((s: number, k: { flops: number }) => s + k.flops, 0));
    expect(test.result.loss).toBeGreaterThan(0);

    // Energy: every phase is a window; every figure has its source label and an uncertainty.
    expect(report.energy.windows.map((w: { name: string }) => w.name)).toEqual(['epoch-1', 'epoch-2', 'train', 'test']);
    expect(report.energy.idle.durationS).toBeGreaterThan(0.25);
    for (const phase of [train, test]) {
      expect(phase.energy.sources.length).toBeGreaterThan(0);
      for (const s of phase.energy.sources) {
        expect(['nvml-counter', 'nvml-power-integrated', 'rapl', 'modelled']).toContain(s.source);
        if (s.joules === null) expect(s.unavailable).toBeTruthy();
        else expect(s.uncertainty.joules).toBeGreaterThan(0);
      }
      expect(phase.energy.total.methods.length).toBeGreaterThan(0);
    }
    expect(report.energy.windows[0].parent).toBe('train');
  });

  it('prints energy with its source and uncertainty, and carbon', () => {
    const r = sedjoule(
      'train',
      '--data',
      'random',
      '--arch',
      'mlp',
      '--layers',
      '1',
      '--width',
      '16',
      '--clips',
      '16',
      '--test-clips',
      '8',
      '--idle',
      '0.2',
      '--pue',
      '1.2',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/energy sources \(sampling every \d+ ms\)/);
    expect(r.stdout).toMatch(/idle baseline over/);
    expect(r.stdout).toMatch(/energy of 'train' over/);
    expect(r.stdout).toMatch(/source\s+method\s+J\s+± J\s+net J/);
    expect(r.stdout).toMatch(/gCO2e at 475 g\/kWh \(CodeCarbon's global average fallback/);
    expect(r.stdout).toMatch(/PUE 1.2/);
    // Where RAPL cannot be read the CPU is modelled, and the carbon line says so.
    if (/^cpu-model /m.test(r.stdout)) expect(r.stdout).toMatch(/^carbon \[MODELLED/m);
    const off = sedjoule(
      'train',
      '--data',
      'random',
      '--arch',
      'mlp',
      '--layers',
      '1',
      '--width',
      '16',
      '--clips',
      '16',
      '--test-clips',
      '8',
      '--no-energy',
    );
    expect(off.stdout).toMatch(/energy: not measured/);
  });

  it('prints a per-kernel table per phase', () => {
    const r = sedjoule(
      'train',
      '--data',
      'random',
      '--arch',
      'mlp',
      '--layers',
      '1',
      '--width',
      '32',
      '--clips',
      '16',
      '--test-clips',
      '8',
      '--no-energy',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kernel\s+pass\s+calls\s+GFLOP\s+GB moved\s+ms\s+GFLOP\/s/);
    expect(r.stdout).toMatch(/^train: 1 epoch/m);
    expect(r.stdout).toMatch(/^test: 8 samples/m);
    expect(r.stdout).toMatch(/^total\s+/m);
  });

  it('runs every model family', () => {
    for (const arch of ['rnn', 'crnn']) {
      const r = sedjoule(
        'train',
        '--data',
        'random',
        '--arch',
        arch,
        '--layers',
        '1',
        '--width',
        '8',
        '--conv-width',
        '8',
        '--rnn-width',
        '8',
        '--clips',
        '8',
        '--test-clips',
        '8',
        '--no-energy',
        '--json',
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).phases.train.kernels.some((k: { name: string }) => k.name === 'gru')).toBe(true);
    }
  });

  it('trains on the embedded synthetic set by default, generating it once into the cache', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-cli-cache-'));
    try {
      const args = [
        'train',
        '--arch',
        'cnn',
        '--layers',
        '1',
        '--width',
        '4',
        '--clips',
        '12',
        '--test-clips',
        '6',
        '--no-energy',
        '--cache',
        cache,
        '--json',
      ];
      const first = sedjoule(...args);
      expect(first.status, first.stderr).toBe(0);
      const report = JSON.parse(first.stdout);
      expect(report.data.source).toBe('synthetic');
      expect(report.data.format).toBe('desed');
      expect(report.data.inputShape).toEqual([1, 128, 626]);
      expect(report.data.classes).toHaveLength(10);
      expect(report.phases.features.reports.map((r: { computed: number }) => r.computed)).toEqual([12, 6]);
      expect(report.phases.test.metrics.examples).toBe(6);
      expect(fs.existsSync(path.join(cache, 'synth', 'seed1-train12-test6-16000Hz', 'dataset.json'))).toBe(true);
      const second = JSON.parse(sedjoule(...args).stdout);
      expect(second.phases.features.reports.map((r: { cached: number }) => r.cached)).toEqual([12, 6]);

      // A damaged cache entry is recomputed, and the corrupt count shows in the record and the printed line.
      const featureDir = path.join(cache, 'features', fs.readdirSync(path.join(cache, 'features'))[0]);
      const entry = path.join(featureDir, fs.readdirSync(featureDir).sort()[0]);
      const bytes = fs.readFileSync(entry);
      bytes[bytes.length - 100] ^= 0x40;
      fs.writeFileSync(entry, bytes);
      const third = sedjoule(...args.filter((a) => a !== '--json'));
      expect(third.status, third.stderr).toBe(0);
      expect(third.stdout).toMatch(/train 1 computed, 11 cached, 1 corrupt recomputed|test 1 computed, 5 cached, 1 corrupt recomputed/);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('writes the synthetic set with sedjoule synth', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-cli-synth-'));
    try {
      const r = sedjoule('synth', '--out', out, '--clips', '4', '--test-clips', '2', '--seed', '5', '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ trainClips: 4, testClips: 2, seed: 5, sampleRate: 16000 });
      expect(fs.readFileSync(path.join(out, 'metadata', 'train', 'weak.tsv'), 'utf8')).toMatch(/^filename\tevent_labels\n/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('fails with a clear message on bad options', () => {
    const r = sedjoule('train', '--data', 'random', '--layers', '0', '--no-energy');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--layers must be an integer >= 1, got '0'");
    const u = sedjoule('train', '--arch', 'transformer');
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/Invalid values/);
    const missing = sedjoule('train', '--data', '/nonexistent/dataset', '--no-energy');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/\/nonexistent\/dataset/);
  });
});

describe('the library example in the README', () => {
  it('runs: data, model, energy windows, ledger and a record on disk', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-example-test-'));
    try {
      const r = spawnSync(process.execPath, [path.join(packageRoot, 'examples', 'library.mjs'), out], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const record = JSON.parse(fs.readFileSync(path.join(out, 'record.json'), 'utf8'));
      expect(record.model.params).toBeGreaterThan(0);
      expect(record.train.epochLoss).toHaveLength(2);
      expect(
        record.train.energy.sources.every((s: { source: string }) =>
          ['nvml-counter', 'nvml-power-integrated', 'rapl', 'modelled'].includes(s.source),
        ),
      ).toBe(true);
      expect(record.train.kernels.some((k: { name: string }) => k.name === 'conv2d')).toBe(true);
      expect(record.test.metrics.examples).toBe(16);
      expect(r.stdout).toMatch(/parameters/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('loads from CommonJS too: require("sedjoule") trains one epoch (examples/commonjs.cjs)', () => {
    const r = spawnSync(process.execPath, [path.join(packageRoot, 'examples', 'commonjs.cjs')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CPU kernels: (avx512|avx2|generic)/);
    expect(r.stdout).toMatch(/^\d+ parameters; epoch loss \d+\.\d{4}; \d+\.\d{3} GFLOP counted$/m);
  });
});

/** Values outside a rule: not a number, not finite, and just past its bounds (or a fraction for an integer). */
function badValues(rule: NumberRule): string[] {
  const out = ['abc', 'Infinity'];
  if (rule.oneOf) out.push(String(Math.max(...rule.oneOf) + 1));
  if (rule.min !== undefined) out.push(String(rule.aboveMin ? rule.min : rule.min - 1));
  if (rule.max !== undefined && rule.max < Number.MAX_SAFE_INTEGER) out.push(String(rule.max * 2));
  if (rule.integer) out.push('1.5');
  return out;
}

/** Options a command cannot be parsed without. */
const REQUIRED: Record<string, string[]> = { synth: ['--out', 'o'], normalize: ['--reference', 'r', '--local', 'l'] };

describe('bad values are refused before any work, naming the flag and the value, with exit code 2', () => {
  it('train: the values a new user tries', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-cli-refused-'));
    try {
      const cases: Array<[string, string, string]> = [
        ['--epochs', 'abc', "--epochs must be an integer >= 1, got 'abc'"],
        ['--epochs', '0', "--epochs must be an integer >= 1, got '0'"],
        ['--epochs', '-1', "--epochs must be an integer >= 1, got '-1'"],
        ['--epochs', 'Infinity', "--epochs must be an integer >= 1, got 'Infinity'"],
        ['--epochs', '1.5', "--epochs must be an integer >= 1, got '1.5'"],
        ['--idle', '-1', "--idle must be a number from 0 to 86400, got '-1'"],
        ['--seed', 'abc', "--seed must be an integer >= 0, got 'abc'"],
        ['--epochs', '', "--epochs must be an integer >= 1, got ''"],
      ];
      for (const [flag, value, message] of cases) {
        const r = sedjoule('train', '--cache', path.join(cache, 'unused'), flag, value);
        expect(r.status, `${flag} ${value}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`E_USAGE: ${message}`);
        expect(r.stdout).toBe('');
      }
      // Nothing was generated or cached: no work started.
      expect(fs.existsSync(path.join(cache, 'unused'))).toBe(false);
      expect(sedjoule('train', '--epochs').stderr).toContain('--epochs needs a value');
      expect(sedjoule('train', '--epochs', '1', '--epochs', '2').stderr).toContain('--epochs is given 2 times (1, 2); give it once');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('every numeric option of every command, by the one rule of its flag', () => {
    let checked = 0;
    for (const command of COMMANDS) {
      const numeric = [...optionTable((y) => command.options(y)).values()].filter((o) => o.type === 'number');
      for (const option of numeric) {
        const flag = option.name as NumberFlag;
        for (const value of badValues(NUMBER_RULES[flag])) {
          const parse = () =>
            command
              .options(yargs([]))
              .parserConfiguration({ 'parse-numbers': false })
              .exitProcess(false)
              .fail((message, error) => {
                throw error ?? new Error(message);
              })
              .parse([...(REQUIRED[command.name] ?? []), `--${flag}`, value]);
          expect(parse, `${command.name} --${flag} ${value}`).toThrow(`--${flag} must be`);
          expect(parse).toThrow(`got '${value}'`);
          ++checked;
        }
      }
    }
    // train, profile, kernel-energy, synth, probe, sweep, analyze, report, dcase-report, demo.
    expect(checked).toBeGreaterThan(300);
  });

  it('every command with a numeric option exits 2 on one, as a new user sees it', () => {
    const positional: Record<string, string[]> = { analyze: ['results/'], report: ['results/'], 'dcase-report': ['results/'] };
    for (const command of COMMANDS) {
      const numeric = [...optionTable((y) => command.options(y)).values()].find((o) => o.type === 'number');
      if (!numeric) continue;
      const r = sedjoule(
        command.name,
        ...(positional[command.name] ?? []),
        ...(REQUIRED[command.name] ?? []),
        `--${numeric.name}`,
        'Infinity',
        '--json',
      );
      expect(r.status, `${command.name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(JSON.parse(r.stdout)).toEqual({
        command: command.name,
        version: packageVersion(),
        error: { code: 'E_USAGE', message: expect.stringContaining(`--${numeric.name} must be`) },
      });
    }
  });
});

describe('errors and the JSON envelope', () => {
  it('with --json, errors are JSON on stdout and the exit code is kept', () => {
    const usage = sedjoule('train', '--arch', 'transformer', '--json');
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stdout).error).toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('Invalid values') });
    const failed = sedjoule('train', '--data', '/nonexistent/dataset', '--no-energy', '--json');
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      command: 'train',
      version: packageVersion(),
      error: { code: expect.stringMatching(/^E_/), message: expect.stringContaining('/nonexistent/dataset') },
    });
  });

  it('every report has the envelope: command and version', () => {
    for (const command of ['info', 'presets']) {
      const r = sedjoule(command, '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ command, version: packageVersion() });
    }
  });

  it('an unknown flag suggests the closest one, a renamed flag names its new name, an unknown command the closest command', () => {
    const typo = sedjoule('train', '--epoch', '2');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('unknown argument: --epoch (did you mean --epochs?)');
    const renamed = sedjoule('analyze', 'results/', '--device', 'gpu', '--energy', 'net');
    expect(renamed.status).toBe(2);
    expect(renamed.stderr).toContain('unknown arguments: --device (renamed --energy-scope), --energy (renamed --energy-basis)');
    const command = sedjoule('trian');
    expect(command.status).toBe(2);
    expect(command.stderr).toContain("unknown command 'trian'. Did you mean train?");
  });

  it('--help groups the options and shows examples', () => {
    const help = sedjoule('train', '--help');
    expect(help.status).toBe(0);
    for (const group of ['Model:', 'Data:', 'Training:', 'Energy:', 'Compute:', 'Output:', 'Examples:'])
      expect(help.stdout).toContain(`\n${group}\n`);
    expect(help.stdout).toMatch(/--epochs\s+Training epochs \(the study: 10\) \[an integer >= 1\]/);
    for (const command of COMMANDS) expect(sedjoule(command.name, '--help').stdout, command.name).toContain('Examples:');
  });
});
