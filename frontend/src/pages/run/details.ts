// Shapes of a run's `details` JSON (the run-details contract) and safe accessors for them.
// Every key is optional: older runs, other tasks and runs without options simply lack them.
import type { Run } from "../../api";

export type Severity = "info" | "warning" | "critical";

export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  evidence: string;
  remedy: string;
  columns?: string[];
}

export interface RocCurve {
  label: unknown;
  fpr: number[];
  tpr: number[];
  auc?: number | null;
}

export interface PrCurve {
  label: unknown;
  precision: number[];
  recall: number[];
  average_precision?: number | null;
}

export interface CalibrationCurve {
  label: unknown;
  mean_predicted: number[];
  fraction_positive: number[];
  brier?: number | null;
}

export interface ScoreCurve {
  metric?: string;
  train_mean: number[];
  train_std: number[];
  test_mean: number[];
  test_std: number[];
}

export interface LearningCurve extends ScoreCurve {
  train_sizes: number[];
}

export interface ValidationCurve extends ScoreCurve {
  param: string;
  values: (number | string | boolean)[];
}

export interface ThresholdInfo {
  objective: "f1" | "cost" | string;
  cost_ratio?: number | null;
  value: number;
  /** The objective's value at the chosen threshold, and on which rows it was chosen. */
  score?: number | null;
  chosen_on?: string | null;
  default_metrics?: Record<string, number>;
  curve?: { thresholds: number[]; scores: number[] };
}

export interface FeatureSelection {
  method: string;
  params?: Record<string, unknown>;
  selected: string[];
  dropped: string[];
  scores?: Record<string, number>;
}

export interface Imbalance {
  class_weight?: string | null;
  resampling?: string | null;
  counts_before?: Record<string, number>;
  counts_after?: Record<string, number>;
}

export interface Topic {
  topic: number | string;
  words: { word: string; weight: number }[];
}

export interface DocumentTopics {
  row: number;
  topics: Record<string, number>;
}

export interface LabelScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Details {
  evaluated_on?: string;
  labels?: unknown[];
  confusion_matrix?: number[][];
  roc_curve?: RocCurve[];
  pr_curve?: PrCurve[];
  calibration_curve?: CalibrationCurve[];
  learning_curve?: LearningCurve;
  validation_curve?: ValidationCurve;
  residuals?: { fitted: number[]; residual: number[] };
  train_metrics?: Record<string, number>;
  advice?: Finding[];
  feature_selection?: FeatureSelection;
  imbalance?: Imbalance;
  threshold?: ThresholdInfo;
  groups?: { column: string; n_groups: number };
  topics?: Topic[];
  document_topics?: DocumentTopics[];
  tag_report?: (LabelScores & { tag: string })[];
  entity_report?: (LabelScores & { type: string })[];
  report?: Record<string, unknown>;
  cluster_sizes?: Record<string, number>;
  notes?: string[];
  scored_against?: { target: string; rows: number };
  [key: string]: unknown;
}

/** The run's details with the contract's types (the wire type keeps them open-ended). */
export function detailsOf(run: Run): Details {
  return (run.details ?? {}) as Details;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export const isNumberArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" || x === null);

/** A short label for a class or curve ("1", "setosa"); curves of a binary task say "positive". */
export const labelText = (label: unknown): string => (label === null || label === undefined ? "—" : String(label));
