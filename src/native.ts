/**
 * The one module that loads the native addon. It is loaded from an explicit path, never searched
 * for: SEDJOULE_ADDON if set, else build/Release (then build/Debug) under the package root. A
 * failure lists every path tried and why each failed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NativeMeter } from './energy/meter.js';
import type { NativeFeatureExtractor } from './frontend/extractor.js';
import { SedjouleError } from './errors.js';

export interface NativeLedgerRow {
  layer: string;
  name: string;
  pass: string;
  shapes: string;
  calls: number;
  macs: number;
  flops: number;
  transcendentals: number;
  comparisons: number;
  bytesRead: number;
  bytesWritten: number;
  paddingMacs: number;
  ms: number;
  device: string;
}

/** A kernel call captured for replay: a ledger row's fields without calls, time and device. */
export type NativeCapturedCall = Omit<NativeLedgerRow, 'calls' | 'ms' | 'device'>;

export interface NativeNetwork {
  describe(): string;
  trainStep(x: Float32Array, y: Float32Array): Promise<number>;
  predict(x: Float32Array): Promise<Float32Array>;
  evaluate(x: Float32Array, y: Float32Array): Promise<{ loss: number; outputs: Float32Array }>;
  ledger(): NativeLedgerRow[];
  resetLedger(): void;
  saveWeights(path: string): Promise<void>;
  loadWeights(path: string): Promise<void>;
  saveCheckpoint(path: string): Promise<void>;
  loadCheckpoint(path: string): Promise<void>;
  captureTrainStep(x: Float32Array, y: Float32Array): Promise<{ loss: number; calls: NativeCapturedCall[] }>;
  replayCapturedCall(index: number, times: number): Promise<number>;
  dispose(): void;
  readonly disposed: boolean;
}

export interface NativeCudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  memoryBytes: number;
  multiprocessors: number;
}

export interface NativeInfo {
  hardwareThreads: number;
  /** SEDJOULE_THREADS when set, else hardwareThreads: what a network uses without --threads. */
  defaultThreads: number;
  isa: string;
  cuda: { compiled: boolean; runtimeVersion: number; driverVersion: number; note: string; devices: NativeCudaDevice[] };
}

export interface PeakMeasurement {
  gflops: number;
  threads: number;
  seconds: number;
  isa: string;
}

export interface NativeAddon {
  Network: new (spec: string, threads?: number, device?: string, cudaDevice?: number) => NativeNetwork;
  inspectNetwork(spec: string): string;
  Meter: new (options?: string) => NativeMeter;
  FeatureExtractor: new (config: string, threads?: number, device?: string, cudaDevice?: number) => NativeFeatureExtractor;
  resampleAudio(audio: Float32Array, fromRate: number, toRate: number): Promise<Float32Array>;
  probeEnergy(options?: string): Promise<string>;
  /** Keeps every CPU thread, or every GPU, busy for about `seconds`; resolves to "" or why it could not. */
  loadDevice(kind: 'cpu' | 'gpu', seconds: number): Promise<string>;
  info(): NativeInfo;
  measureFmaPeak(threads: number, seconds: number): Promise<PeakMeasurement>;
  /** The GPU's FP32 FMA throughput, measured; E_CUDA when it cannot run (no backend, no device). */
  measureCudaFmaPeak(device: number, seconds: number): Promise<{ gflops: number; seconds: number }>;
}

/**
 * The package root: the nearest folder above this module whose package.json names sedjoule. Found by
 * walking up rather than by a fixed '..', so the ES module build (dist/), the CommonJS bundle and the
 * sources (src/, under vitest) all agree.
 */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sedjoule') return dir;
    if (path.dirname(dir) === dir) throw new SedjouleError('E_ADDON', `no package.json of sedjoule above ${from}`);
  }
}

let cached: NativeAddon | undefined;

/**
 * Where the addon may be, in order: SEDJOULE_ADDON alone when set; else a local build (build/Release,
 * build/Debug: what `npm install` compiles when no prebuilt addon fits), then the prebuilt addon the
 * package ships, named by pkg-prebuilds' convention (prebuilds/sedjoule-linux-x64/node-napi-v8.node).
 */
export function addonCandidates(): string[] {
  const override = process.env.SEDJOULE_ADDON;
  if (override) return [path.resolve(override)];
  const require = createRequire(import.meta.url);
  const options = require(path.join(packageRoot, 'binding-options.cjs')) as { name: string; napi_versions: number[] };
  const { getPrebuildName, isAlpine } = require('pkg-prebuilds/lib/prebuild.js') as { getPrebuildName(o: object): string; isAlpine(platform: string): boolean };
  const libc = isAlpine(process.platform) ? 'musl' : undefined;
  const prebuilt = options.napi_versions.map((napi) =>
    path.join(packageRoot, 'prebuilds', getPrebuildName({ name: options.name, platform: process.platform, arch: process.arch, libc, napi_version: napi, runtime: 'node' })),
  );
  return [path.join(packageRoot, 'build', 'Release', 'sedjoule.node'), path.join(packageRoot, 'build', 'Debug', 'sedjoule.node'), ...prebuilt];
}

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!fs.existsSync(candidate)) {
      failures.push(`  ${candidate}: not found`);
      continue;
    }
    try {
      cached = require(candidate) as NativeAddon;
      return cached;
    } catch (error) {
      failures.push(`  ${candidate}: ${(error as Error).message}`);
    }
  }
  throw new SedjouleError(
    'E_ADDON',
    `cannot load the sedjoule native addon; tried:\n${failures.join('\n')}\n` +
      'Build it with `npm run build:native` (needs CMake and a C++17 compiler), or set SEDJOULE_ADDON to the path of a sedjoule.node.',
  );
}
