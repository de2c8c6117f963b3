/**
 * Evaluation metrics for anomaly detection: pure TypeScript, no tfjs, DOM or Node APIs.
 */
export { auroc, rocCurve } from './auroc.ts';
export type { BinaryLabels, RocCurve } from './auroc.ts';
export { labelConnectedComponents } from './connected-components.ts';
export type { ConnectedComponents, Connectivity } from './connected-components.ts';
export { perRegionOverlap } from './pro.ts';
export type { ProCurve, ProOptions, ProResult } from './pro.ts';
export { scoreStatistics } from './calibration.ts';
export type { ScoreStatistics } from './calibration.ts';
export { calibrateFromNormals, holdOutSplit, isNewProduct, outsideNormalRange } from './normal-calibration.ts';
export type { HoldOutSplit, NormalCalibration } from './normal-calibration.ts';
export { PixelStatistics } from './pixel-histogram.ts';
export { pooledPixelMetrics } from './pixel-metrics.ts';
export type { BoundedValue, CurvePoints } from './pixel-histogram.ts';
export { defectRegions, regionOutline } from './regions.ts';
export type { Region, RegionMap } from './regions.ts';
export { confusionAt, f1Optimal, noGoodFlagged, targetFpr } from './threshold-choices.ts';
export type { Confusion } from './threshold-choices.ts';
