/** The sedjoule library: networks with a per-kernel cost ledger, models, data and experiments. */
export { Network, type LayerSummary, type NetworkDescription, type NetworkOptions } from './network.js';
export type { LayerSpec, LayerType, LossSpec, NetworkSpec, OptimizerSpec, Pair } from './spec.js';
export { byKernel, mergeLedgers, totals, type KernelPass, type LedgerRow, type LedgerTotals } from './ledger.js';
export { SedjouleError, errorCode, type ErrorCode } from './errors.js';
export { loadAddon, type NativeInfo, type PeakMeasurement } from './native.js';
export { ARCHITECTURES, describeModel, modelLayers, modelSpec, type Architecture, type ModelConfig } from './models/families.js';
export { ArrayDataset, batches, batchCount, type Batch, type Dataset } from './data/dataset.js';
export { randomLabelledSet, type RandomSetOptions } from './data/random-set.js';
export { testPhase, trainPhase, type TestResult, type TrainResult } from './experiment/phases.js';
export { Meter, type MeterOptions } from './energy/meter.js';
export { probe, type ProbeOptions, type ProbeReport } from './energy/probe.js';
export { carbonOf, DEFAULT_CARBON_INTENSITY, DEFAULT_CARBON_SOURCE, type CarbonOptions } from './energy/carbon.js';
export type { CarbonFigure, EnergyMethod, EnergyTrace, EnergyWindow, IdleBaseline, MeterDescription, SourceDescription, SourceWindow } from './energy/types.js';
