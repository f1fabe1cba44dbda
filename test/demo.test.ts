/**
 * sedjoule demo, as a user runs it (node dist/cli.js, built by `npm test` first), at a smaller
 * size than its default (16 + 8 synthetic clips, 1 epoch) in a temporary cache: the sweep of the
 * demo preset, the analysis and the report in one folder; run again, it resumes its own sweep
 * instead of starting over (also after losing runs, as when stopped mid-sweep); a folder holding
 * another sweep is refused.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseCsv } from '../src/util/csv.js';
import { packageRoot } from '../src/version.js';
import { DEMO_CONFIGS } from '../src/models/presets.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-demo-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function sedjoule(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const out = path.join(root, 'demo');
const SMALL = ['--out', out, '--cache', path.join(root, 'cache'), '--clips', '16', '--test-clips', '8', '--epochs', '1', '--idle', '0.2'];

describe('sedjoule demo', () => {
  it('sweeps every family on the synthetic set, analyses it and writes the report into one folder; a second run resumes', () => {
    const r = sedjoule('demo', ...SMALL, '--json');
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      command: 'demo',
      out,
      report: path.join(out, 'report.html'),
      settings: {
        preset: 'demo',
        configurations: DEMO_CONFIGS.length,
        families: ['mlp', 'cnn', 'rnn', 'crnn'],
        frontend: 'toolbox',
        clips: 16,
        testClips: 8,
        epochs: 1,
        phases: ['train', 'test', 'run'],
      },
      sweep: {
        runs: DEMO_CONFIGS.length,
        done: DEMO_CONFIGS.length,
        failed: 0,
        ranNow: DEMO_CONFIGS.length,
        keptFromBefore: 0,
        resumed: false,
      },
      missing: 0,
    });
    expect(s.configurations.map((c: { id: string }) => c.id)).toEqual(DEMO_CONFIGS.map((_, i) => `demo:${i + 1}`));
    expect(s.slopes.map((x: { phase: string }) => x.phase)).toEqual(['train', 'test', 'run']);
    for (const slope of s.slopes) expect(slope.n).toBe(DEMO_CONFIGS.length);

    for (const file of ['report.html', 'runs.csv', 'kernels.csv', 'analysis.json', 'analysis.txt', 'sweep.json'])
      expect(fs.existsSync(path.join(out, file)), file).toBe(true);
    expect(fs.readdirSync(path.join(out, 'runs'))).toHaveLength(DEMO_CONFIGS.length);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/<tr data-run="/g)).toHaveLength(DEMO_CONFIGS.length);
    for (const family of ['mlp', 'cnn', 'rnn', 'crnn']) expect(html).toContain(`data-family="${family}"`);
    const runs = parseCsv(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8'), 'runs.csv');
    expect(runs.rows).toHaveLength(DEMO_CONFIGS.length);
    const analysis = JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8'));
    expect(analysis.command).toBe('analyze');
    expect(analysis.inputs.records).toBe(DEMO_CONFIGS.length);
    expect(fs.readFileSync(path.join(out, 'analysis.txt'), 'utf8')).toContain('== train ==');

    // Text output ends with where the report is; the second run keeps every finished run.
    const again = sedjoule('demo', ...SMALL);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`report: ${path.join(out, 'report.html')}`);
    expect(again.stdout).toContain(
      `${DEMO_CONFIGS.length} of ${DEMO_CONFIGS.length} runs done (0 ran now, ${DEMO_CONFIGS.length} kept from before)`,
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
    expect(manifest.sessions).toHaveLength(2);
    expect(manifest.sessions[1]).toMatchObject({ resumed: true, ran: 0, skipped: DEMO_CONFIGS.length });

    // Another size is another sweep: refused, naming the difference, rather than mixed in.
    const other = sedjoule('demo', ...SMALL.map((v, i) => (SMALL[i - 1] === '--epochs' ? '2' : v)));
    expect(other.status).toBe(2);
    expect(other.stderr).toContain(`${out} holds another sweep`);
    expect(other.stderr).toContain('--epochs: 2 here, 1 in');

    // As if stopped before its last runs (kill -9: records missing, the manifest not updated): a
    // copy of the folder without two records gets exactly those two run again.
    const stopped = path.join(root, 'stopped');
    fs.cpSync(out, stopped, { recursive: true });
    for (const name of ['demo_1_r0.json', 'demo_7_r0.json']) fs.rmSync(path.join(stopped, 'runs', name));
    const resumed = sedjoule('demo', ...SMALL.map((v, i) => (SMALL[i - 1] === '--out' ? stopped : v)), '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).sweep).toMatchObject({
      resumed: true,
      ranNow: 2,
      keptFromBefore: DEMO_CONFIGS.length - 2,
      done: DEMO_CONFIGS.length,
    });
  }, 600_000);
});
