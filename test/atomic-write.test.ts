/**
 * The atomic writer on a disk that fills up. Two ways:
 *
 * - an injected short write: fs.writeSync replaced (a test double at the fs boundary) by one that
 *   writes fewer bytes than asked, or fails with ENOSPC part-way, as write(2) does on a full disk;
 *   this runs anywhere;
 * - a real full disk: a small tmpfs mounted for the test, then filled. Mounting needs root (CI runs
 *   as root); as another user those tests are skipped, with the reason in their name.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { ensureFolder, writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';
import { packageRoot } from '../src/version.js';
import { failure, randomArray, randomTargets } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-atomic-'));
const mounts: string[] = [];
afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  fs.rmSync(root, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

/** A fresh tmpfs of `kib` KiB (root only), unmounted after the suite. */
function tinyDisk(kib: number, options = ''): string {
  const dir = fs.mkdtempSync(path.join(root, 'disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k${options}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs failed: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Fills a disk to the last byte, then frees `leave` bytes (whole pages) so a small write half-fits. */
function fill(dir: string, leave = 0): void {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  fs.ftruncateSync(fd, Math.max(0, fs.fstatSync(fd).size - leave));
  fs.closeSync(fd);
}

const files = (dir: string) => fs.readdirSync(dir).sort();

type WriteSync = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/** Replaces fs.writeSync (the writer's one call that moves bytes) by `write`, given the real one. */
function replaceWriteSync(write: (real: WriteSync, fd: number, buffer: Uint8Array, offset: number, length: number) => number): void {
  const real = fs.writeSync.bind(fs) as unknown as WriteSync;
  const fake = (fd: number, buffer: Uint8Array, offset?: number | null, length?: number | null) =>
    write(real, fd, buffer, offset ?? 0, length ?? buffer.length - (offset ?? 0));
  vi.spyOn(fs, 'writeSync').mockImplementation(fake as unknown as typeof fs.writeSync);
}

describe('writeFileAtomic with an injected short write (fs.writeSync replaced at the fs boundary)', () => {
  it('continues after short writes until every byte is written', () => {
    const file = path.join(root, 'short.json');
    // At most 7 bytes per call, as write(2) may do: the old writer kept the first 7 and renamed.
    replaceWriteSync((real, fd, buffer, offset, length) => real(fd, buffer, offset, Math.min(7, length)));
    const value = { format: 'sedjoule-sweep', runs: Array.from({ length: 50 }, (_, i) => ({ index: i })) };
    writeJsonAtomic(file, value);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(value);
  });

  it('on ENOSPC part-way: E_IO naming the file, the old file unchanged, no temporary left', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'enospc-'));
    const file = path.join(dir, 'sweep.json');
    writeFileAtomic(file, 'the good old manifest\n');
    // 4,096 bytes fit, then the disk is full: a short write, then ENOSPC, as write(2) does.
    let written = 0;
    replaceWriteSync((real, fd, buffer, offset, length) => {
      if (written >= 4096) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
      const n = real(fd, buffer, offset, Math.min(4096 - written, length));
      written += n;
      return n;
    });
    const e = await failure(() => writeFileAtomic(file, 'x'.repeat(10_000)));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(file);
    expect(e.message).toContain('ENOSPC');
    expect(e.message).toContain('the previous file is left unchanged');
    expect(fs.readFileSync(file, 'utf8')).toBe('the good old manifest\n');
    expect(files(dir)).toEqual(['sweep.json']);
  });
});

const tinyNet: NetworkSpec = {
  input: [1, 4, 4],
  layers: [{ type: 'flatten' }, { type: 'linear', out: 512 }, { type: 'relu' }, { type: 'linear', out: 3 }],
  loss: 'bce-logits',
  optimizer: { type: 'adam', lr: 0.01 },
  seed: 1,
};

describe.skipIf(!isRoot)('on a real full disk (a small tmpfs; needs root to mount, skipped otherwise)', () => {
  it('writeJsonAtomic on a full tmpfs: E_IO naming the file, the old file and the folder intact', async () => {
    const disk = tinyDisk(256);
    const file = path.join(disk, 'sweep.json');
    const good = { format: 'sedjoule-sweep', runs: [1, 2, 3] };
    writeJsonAtomic(file, good);
    // One page left: the old writer wrote 4,096 bytes of the new file and renamed it into place.
    fill(disk, 4096);
    const e = await failure(() => writeJsonAtomic(file, { format: 'sedjoule-sweep', runs: Array.from({ length: 5000 }, (_, i) => i) }));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/ENOSPC/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(good);
    expect(files(disk)).toEqual(['filler', 'sweep.json']);
  });

  it('the native writer (a checkpoint) on a full tmpfs: E_IO naming the file, the old checkpoint still loads', async () => {
    const disk = tinyDisk(512);
    const file = path.join(disk, 'run.ckpt');
    const net = Network.create(tinyNet, { threads: 1 });
    try {
      await net.saveCheckpoint(file);
      const before = fs.readFileSync(file);
      fill(disk, 4096);
      await net.trainStep(randomArray(16, 1), randomTargets(3, 2));
      const e = await failure(() => net.saveCheckpoint(file));
      expect(e.code).toBe('E_IO');
      expect(e.message).toContain(file);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      expect(files(disk)).toEqual(['filler', 'run.ckpt']);
      await net.loadCheckpoint(file);
    } finally {
      net.dispose();
    }
  });

  it('a sweep whose disk fills: stops with E_IO naming the file, earlier files intact, and resumes once there is room', () => {
    const cli = path.join(packageRoot, 'dist', 'cli.js');
    const disk = tinyDisk(2048);
    const out = path.join(disk, 'results');
    const grid = path.join(root, 'grid-full.json');
    fs.writeFileSync(
      grid,
      JSON.stringify([
        { arch: 'mlp', layers: 1, width: 8 },
        { arch: 'mlp', layers: 1, width: 16 },
      ]),
    );
    const args = ['sweep', '--grid', grid, '--data', 'random', '--input', '1,8,8', '--clips', '8', '--test-clips', '4', '--epochs', '1'];
    const common = [...args, '--cooldown', '0', '--idle', '0', '--no-energy', '--out', out];
    const sedjoule = (...more: string[]) => spawnSync(process.execPath, [cli, ...common, ...more], { encoding: 'utf8', timeout: 120_000 });
    const first = sedjoule('--repeat', '1');
    expect(first.status, first.stderr).toBe(0);
    const manifest = fs.readFileSync(path.join(out, 'sweep.json'), 'utf8');
    const record = fs.readFileSync(path.join(out, 'runs', 'grid_1_r0.json'), 'utf8');
    fill(disk, 4096);
    const full = sedjoule('--resume');
    expect(full.status).not.toBe(0);
    expect(full.stderr).toMatch(/E_IO/);
    expect(full.stderr).toContain(path.join(out, 'sweep.json'));
    expect(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8')).toBe(manifest);
    expect(fs.readFileSync(path.join(out, 'runs', 'grid_1_r0.json'), 'utf8')).toBe(record);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    fs.rmSync(path.join(disk, 'filler'));
    const resumed = sedjoule('--resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('2 finished earlier and kept');
  });

  it('a read-only results folder: E_IO saying the folder cannot be created, naming it', async () => {
    const disk = tinyDisk(64, ',ro');
    const e = await failure(() => ensureFolder(path.join(disk, 'results', 'runs'), 'results folder'));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(`the results folder ${path.join(disk, 'results', 'runs')} cannot be created or written`);
    expect(e.message).toContain('EROFS');
    // Through the command line: it used to say "ENOENT: no such file or directory, mkdir".
    const grid = path.join(root, 'grid-ro.json');
    fs.writeFileSync(grid, JSON.stringify([{ arch: 'mlp', layers: 1, width: 8 }]));
    const out = path.join(disk, 'results');
    const r = spawnSync(
      process.execPath,
      [path.join(packageRoot, 'dist', 'cli.js'), 'sweep', '--grid', grid, '--data', 'random', '--out', out],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `E_IO: the results folder ${path.join(out, 'runs')} cannot be created or written: ${disk} cannot be written (EROFS`,
    );
  });
});
