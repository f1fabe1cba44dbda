/** The sedjoule library: networks with a per-kernel cost ledger, models, data and experiments. */
export {
  Network,
  type CapturedCall,
  type LayerSummary,
  type NetworkDescription,
  type NetworkOptions,
  type WeightsFileOptions,
} from './network.js';
export { weightName, type LayerSpec, type LayerType, type LossSpec, type NetworkSpec, type OptimizerSpec, type Pair } from './spec.js';
export { importOnnx, ONNX_OPSETS, type OnnxImport, type OnnxImportOptions } from './onnx/import.js';
export type { ImportedLayer } from './onnx/graph.js';
export { WEIGHT_NAMES, type WeightNames } from './weights/pytorch-names.js';
export { byKernel, mergeLedgers, totals, type Device, type KernelPass, type LedgerRow, type LedgerTotals } from './ledger.js';
export { SedjouleError, errorCode, type ErrorCode } from './errors.js';
export { loadAddon, type NativeInfo, type PeakMeasurement } from './native.js';
export { ARCHITECTURES, describeModel, modelLayers, modelSpec, type Architecture, type ModelConfig } from './models/families.js';
export { ArrayDataset, batches, batchCount, type Batch, type Dataset } from './data/dataset.js';
export { randomLabelledSet, type RandomSetOptions } from './data/random-set.js';
export { runPhase, testPhase, trainPhase, type RunResult, type TestResult, type TrainResult } from './experiment/phases.js';
export { Meter, type MeterOptions } from './energy/meter.js';
export { probe, type ProbeOptions, type ProbeReport } from './energy/probe.js';
export { sensorStudy, type SensorStudyFiles, type SensorStudyOptions } from './experiment/sensor-study.js';
export type { ChannelReport, SensorStudyResult } from './sensors/study-result.js';
export { measureCommand, RUN_WINDOW, type MeasureOptions, type MeasureRecord, type MarkerProblem } from './measure/measure-command.js';
export { MARKERS_VARIABLE } from './measure/marker-channel.js';
export { visibleGpus, type GpuSelection } from './energy/visible-gpus.js';
export { carbonOf, DEFAULT_CARBON_INTENSITY, DEFAULT_CARBON_SOURCE, type CarbonOptions } from './energy/carbon.js';
export type {
  CarbonFigure,
  EnergyMethod,
  EnergyTrace,
  EnergyWindow,
  GpuProcessAttribution,
  IdleBaseline,
  MeterDescription,
  SourceDescription,
  SourceWindow,
} from './energy/types.js';
export {
  FeatureExtractor,
  FRONTEND_PRESETS,
  resample,
  type FrontendConfig,
  type FrontendPreset,
  type FrontendSpec,
} from './frontend/extractor.js';
export { taggingMetrics, averagePrecision, rocAuc, type TaggingMetrics, type ClassMetrics } from './metrics/tagging.js';
export { readDataset, detectFormat } from './data/readers/detect.js';
export { checkManifest, type DatasetFormat, type DatasetItem, type DatasetManifest, type Problem } from './data/manifest.js';
export { decodeAudio, decodeAudioFile, toMono } from './data/audio/decode.js';
export { encodeWav, parseWav, type DecodedAudio } from './data/audio/wav.js';
export { synthesize, type SynthOptions, type SynthReport } from './data/synth/writer.js';
export { FeatureCache, defaultCacheRoot } from './data/feature-cache.js';
export { buildFeatureDataset, FeatureDataset, type FeatureBuildReport } from './data/feature-dataset.js';
export { prepareData, type DataSettings, type PreparedData } from './experiment/data.js';
export { runExperiment, type RunOptions } from './experiment/run.js';
export { runKey, PHASES, type DataInfo, type Phase, type RunConfig, type RunRecord } from './records/run-record.js';
export { dcaseCrnnSpec, dcaseCrnnLayers, type DcaseCrnnOptions } from './models/dcase-crnn.js';
export { namedModel, PRESETS, PAPER43_CONFIGS, modelRefSpec, type ModelRef, type Preset, type PresetEntry } from './models/presets.js';
export { VARIANTS, modelLoss, type Variant } from './models/families.js';
export {
  analyzeGroup,
  analyzeRecords,
  analyzeResults,
  ASSUMED_TRAIN_TEST_RATIO,
  configurationPoints,
  FIT_VARIABLES,
  VARIABLES,
  type AnalysisReport,
  type AnalyzeOptions,
  type GroupAnalysis,
  type Point,
  type PointMode,
  type RepeatSummary,
  type TrainTestRatio,
  type TrainTestSummary,
  type Variable,
} from './analysis/analyze.js';
export {
  averageRanks,
  bootstrapInterval,
  completePairs,
  correlate,
  leastSquares,
  linearFit,
  logLogFit,
  mean,
  pearson,
  predictLine,
  spearman,
  standardDeviation,
  summarise,
  type Correlation,
  type CorrelationWithInterval,
  type Interval,
  type LeastSquares,
  type LineFit,
  type Summary,
} from './analysis/statistics.js';
export {
  chooseSelection,
  windowEnergy,
  type EnergyScope,
  type EnergyBasis,
  type EnergySelection,
  type WindowEnergy,
} from './analysis/energy-selection.js';
export { FAMILIES, familyOf, observe, phaseRuns, type Family, type Observation, type PhaseRun } from './analysis/observations.js';
export { loadRunRecords, recordFiles, type LoadedRecords } from './records/read-records.js';
export {
  fitMap,
  fitMaps,
  mapQuality,
  normalizeRecords,
  normalizeResults,
  ratioNormalize,
  singleReferenceRules,
  type MapResult,
  type NormalizationMap,
  type NormalizationReport,
  type NormalizeOptions,
  type PhaseNormalization,
  type ReferencePair,
} from './analysis/normalize.js';
export {
  DCASE_REFERENCES,
  dcaseMarkdown,
  dcaseReport,
  dcaseReportFromResults,
  macsPer10s,
  writeDcaseReport,
  type DcaseOptions,
  type DcaseReport,
  type DcaseYear,
} from './analysis/dcase.js';
export {
  CODECARBON_COLUMNS,
  CODECARBON_LAYOUTS,
  checkCodeCarbonLayout,
  codecarbonCsv,
  codecarbonRow,
  emissionsCsv,
  emissionsRow,
  stableUuid,
  type CodeCarbonLayout,
  type CodeCarbonRow,
  type EmissionsInput,
} from './analysis/codecarbon.js';
export { recordEmissionsRows, writeRecordEmissions, type EmissionsSettings } from './analysis/record-emissions.js';
export { carbonIntensityFor, describeCarbonIntensity, type CarbonIntensity } from './energy/carbon-intensity.js';
export { planSweep, Sweep, type SweepOptions, type SweepPlan } from './experiment/sweep.js';
export {
  presetConfigurations,
  type SweepConfiguration,
  type SweepDefinition,
  type SweepProtocol,
  type PlannedRun,
} from './experiment/sweep-plan.js';
export { mergeSweeps, type MergeReport } from './experiment/merge.js';
export {
  closure,
  groupCalls,
  perCall,
  repetitionsFor,
  type CallGroup,
  type Closure,
  type PerCallEnergy,
  type RepeatedWindow,
  type StepCall,
} from './analysis/kernel-energy-arithmetic.js';
export {
  measureKernelEnergy,
  type KernelEnergyOptions,
  type KernelEnergyReport,
  type KernelEnergyRow,
} from './experiment/measure-kernel-energy.js';
export { runProfile, type ProfileOptions, type ProfileReport } from './experiment/profile.js';
