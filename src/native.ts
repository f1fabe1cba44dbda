/**
 * The one module that loads the native addon. It is loaded from an explicit path, never searched
 * for: SEDJOULE_ADDON if set, else a local build, else the prebuilt addon (addonCandidates). A
 * failure lists every path tried and why each failed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { SedjouleError } from './errors.js';
import type { LedgerLabelColumn, LedgerRow, LedgerTotals } from './ledger.js';
import { packageRoot } from './version.js';

/** A ledger row as the addon writes it: the ledger's columns (ledger.ts), its labels as plain strings. */
export type NativeLedgerRow = Record<LedgerLabelColumn | 'device', string> & LedgerTotals;

/** A kernel call captured for replay: a ledger row's fields without calls, time and device. */
export type NativeCapturedCall = Omit<NativeLedgerRow, 'calls' | 'ms' | 'device'>;

/** The addon's rows, typed: it writes only the passes and devices that LedgerRow names. */
export function ledgerRows(rows: NativeLedgerRow[]): LedgerRow[] {
  return rows as LedgerRow[];
}

export interface NativeNetwork {
  describe(): string;
  trainStep(x: Float32Array, y: Float32Array): Promise<number>;
  predict(x: Float32Array): Promise<Float32Array>;
  evaluate(x: Float32Array, y: Float32Array): Promise<{ loss: number; outputs: Float32Array }>;
  ledger(): NativeLedgerRow[];
  resetLedger(): void;
  saveWeights(path: string): Promise<void>;
  loadWeights(path: string): Promise<void>;
  setParameters(tensors: Record<string, Float32Array>): Promise<void>;
  getParameters(): Promise<Record<string, Float32Array>>;
  saveCheckpoint(path: string): Promise<void>;
  loadCheckpoint(path: string): Promise<void>;
  captureTrainStep(x: Float32Array, y: Float32Array): Promise<{ loss: number; calls: NativeCapturedCall[] }>;
  replayCapturedCall(index: number, times: number): Promise<number>;
  dispose(): void;
  readonly disposed: boolean;
}

export interface NativeMeter {
  describe(): string;
  begin(name: string): void;
  end(name: string): string;
  measureIdle(seconds: number): Promise<string>;
  idle(): string;
  trace(): string;
  setUpdatePeriod(sourceId: string, seconds: number): void;
  /** Request JSON {pids?, processTree?, sinceUs?}; returns GpuProcessAttribution as JSON. */
  gpuProcesses(request: string): string;
  stop(): void;
}

export interface NativeFeatureExtractor {
  describe(): string;
  outputShape(samples: number, sampleRate: number): [number, number];
  compute(audio: Float32Array, sampleRate: number): Promise<Float32Array>;
  ledger(): NativeLedgerRow[];
  resetLedger(): void;
  dispose(): void;
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
  /**
   * Polls every energy and power channel while known loads run at known steady times; resolves to
   * the trace JSON (see native/study/sensor_trace.h). Bad options throw at once (E_SPEC, E_VALUE).
   */
  sensorTrace(options: string): Promise<string>;
  /** The steady clock (CLOCK_MONOTONIC) in seconds: the time axis of sensorTrace's options and result. */
  steadyNowS(): number;
  info(): NativeInfo;
  /** Bytes of external memory V8 counts (native memory addons report, live networks' among them). */
  externalMemory(): number;
  measureFmaPeak(threads: number, seconds: number): Promise<PeakMeasurement>;
  /** The GPU's FP32 FMA throughput, measured; E_CUDA when it cannot run (no backend, no device). */
  measureCudaFmaPeak(device: number, seconds: number): Promise<{ gflops: number; seconds: number }>;
}

/** Where the loaded addon came from: SEDJOULE_ADDON, a local build (compiled here), or the prebuilt one shipped in the package. */
export type AddonOrigin = 'SEDJOULE_ADDON' | 'local build' | 'prebuilt';

interface AddonFile {
  path: string;
  origin: AddonOrigin;
}

let cached: (AddonFile & { addon: NativeAddon }) | undefined;

/**
 * Where the addon may be, in order: SEDJOULE_ADDON alone when set; else a local build (build/Release,
 * build/Debug: what `npm install` compiles when no prebuilt addon fits), then the prebuilt addon the
 * package ships, named by pkg-prebuilds' convention (prebuilds/sedjoule-linux-x64/node-napi-v8.node).
 */
function addonCandidates(): AddonFile[] {
  const override = process.env.SEDJOULE_ADDON;
  if (override) return [{ path: path.resolve(override), origin: 'SEDJOULE_ADDON' }];
  const require = createRequire(import.meta.url);
  const options = require(path.join(packageRoot, 'binding-options.cjs')) as { name: string; napi_versions: number[] };
  const { getPrebuildName, isAlpine } = require('pkg-prebuilds/lib/prebuild.js') as {
    getPrebuildName(o: object): string;
    isAlpine(platform: string): boolean;
  };
  const libc = isAlpine(process.platform) ? 'musl' : undefined;
  const prebuilt = options.napi_versions.map((napi): AddonFile => ({
    path: path.join(
      packageRoot,
      'prebuilds',
      getPrebuildName({ name: options.name, platform: process.platform, arch: process.arch, libc, napi_version: napi, runtime: 'node' }),
    ),
    origin: 'prebuilt',
  }));
  return [
    { path: path.join(packageRoot, 'build', 'Release', 'sedjoule.node'), origin: 'local build' },
    { path: path.join(packageRoot, 'build', 'Debug', 'sedjoule.node'), origin: 'local build' },
    ...prebuilt,
  ];
}

export function loadAddon(): NativeAddon {
  if (cached) return cached.addon;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!fs.existsSync(candidate.path)) {
      failures.push(`  ${candidate.path}: not found`);
      continue;
    }
    try {
      cached = { ...candidate, addon: require(candidate.path) as NativeAddon };
      return cached.addon;
    } catch (error) {
      failures.push(`  ${candidate.path}: ${(error as Error).message}`);
    }
  }
  throw new SedjouleError(
    'E_ADDON',
    `cannot load the sedjoule native addon; tried:\n${failures.join('\n')}\n` +
      'Build it with `npm run build:native` (needs CMake and a C++17 compiler), or set SEDJOULE_ADDON to the path of a sedjoule.node.',
  );
}

/** The file the addon was loaded from (loading it first), and what kind of file that is. */
export function loadedAddon(): AddonFile {
  loadAddon();
  return { path: cached!.path, origin: cached!.origin };
}
