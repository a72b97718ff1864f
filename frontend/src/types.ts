// Wire types of the Loom REST API v1, mirroring the server's *Public schemas in api.md.

export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type JobType = "dataset.import" | "training.run" | "batch.predict" | "vectors.fill";
export type Scope = "admin" | "workspace" | "endpoint";
export type Json = Record<string, unknown>;

export interface ListResponse<T> {
  items: T[];
  total: number;
}

export interface Health {
  status: string;
  version: string;
}

export interface WhoAmI {
  workspace: { id: string; name: string };
  token: { id: string; name: string; scope: Scope };
}

export interface Workspace {
  id: string;
  name: string;
  created_at?: string;
}

export interface IssuedToken {
  id: string;
  name: string;
  scope: Scope;
  workspace_id?: string;
  token: string;
}

export interface Job {
  id: string;
  type: JobType;
  state: JobState;
  params: Json;
  result: Json | null;
  error: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ColumnStats {
  min?: unknown;
  max?: unknown;
  mean?: number | null;
  std?: number | null;
  distinct_count?: number | null;
  top_values?: unknown;
}

export interface DatasetColumn {
  name: string;
  logical_type: string;
  physical_type: string;
  null_count: number;
  stats: ColumnStats;
}

export interface DatasetVersion {
  version: number;
  content_hash: string;
  row_count: number;
  size_bytes: number;
  columns: DatasetColumn[];
  source: Json;
  created_at: string;
  job_id: string | null;
}

export interface Dataset {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  latest_version: DatasetVersion | null;
}

export interface Preview {
  columns: string[];
  rows: Record<string, unknown>[];
}

export type ImportSource =
  | { kind: "file"; path: string; format?: "csv" | "parquet" | "jsonl" }
  | { kind: "sql"; url: string; query: string }
  | { kind: "url"; url: string; format?: "csv" | "parquet" | "jsonl" }
  | { kind: "image_folder"; path: string; size?: string; mode?: "L" | "RGB" };

export interface DatasetImport {
  name: string;
  source: ImportSource;
  description?: string;
}

export interface AlgorithmParam {
  name: string;
  type: "integer" | "number" | "boolean" | "string" | string;
  default: unknown;
  minimum: number | null;
  maximum: number | null;
  choices: unknown[] | null;
  nullable?: boolean;
  description: string;
}

export interface Algorithm {
  name: string;
  task: string;
  summary: string;
  /** The model reads raw text from one string column (text classifiers). */
  reads_text?: boolean;
  params: AlgorithmParam[];
  params_schema: Json;
}

export interface SchemaField {
  name: string;
  type: string;
  nullable?: boolean;
}

export interface Experiment {
  id: string;
  name: string;
  created_at?: string | null;
  run_count?: number | null;
}

export interface RunDetails {
  confusion_matrix?: number[][];
  labels?: unknown[];
  [key: string]: unknown;
}

export type SelectionMethod = "variance" | "chi2" | "mutual_info" | "rfecv" | "l1" | "tree_importance";
export type ResamplingMethod = "random_over" | "random_under" | "smote";

/** How a run treats its rows beyond the algorithm's params (the server's TrainingOptions). */
export interface TrainingOptions {
  group_column?: string | null;
  standardize?: boolean;
  class_weight?: "balanced" | null;
  resampling?: ResamplingMethod | null;
  threshold?: "f1" | "cost" | null;
  cost_ratio?: number;
  feature_selection?: { method: SelectionMethod; k?: number | null; threshold?: number | null } | null;
  learning_curve?: boolean;
  validation_curve?: { param: string; values: (number | string | boolean)[] } | null;
}

export interface Run {
  id: string;
  name: string;
  experiment: Experiment;
  state: JobState;
  job_id: string;
  error?: string | null;
  algorithm: string;
  task: string;
  params: Json;
  dataset_id: string;
  dataset_name: string;
  dataset_version: number;
  target: string | null;
  features: string[] | null;
  seed: number;
  cv_folds: number | null;
  test_size: number;
  options?: TrainingOptions | null;
  metrics: Record<string, number>;
  cv_metrics: Record<string, number[]> | null;
  details: RunDetails;
  plots: string[];
  input_schema: SchemaField[];
  duration_s: number | null;
  created_at: string;
  finished_at: string | null;
}

export interface RunCreate {
  dataset: string;
  dataset_version?: number;
  target?: string;
  features?: string[];
  algorithm: string;
  params?: Json;
  cv_folds?: number;
  test_size?: number;
  seed?: number;
  experiment?: string;
  name?: string;
  options?: TrainingOptions;
}

export interface RunComparison {
  runs: Run[];
  metric_names: string[];
  param_names: string[];
}

export interface ModelVersion {
  model_name: string;
  version: number;
  run_id: string;
  algorithm: string;
  task: string;
  dataset_id: string;
  dataset_version: number;
  input_schema: SchemaField[];
  metrics: Record<string, number>;
  created_at: string;
  aliases: string[];
}

export interface Model {
  id: string;
  name: string;
  description: string;
  created_at: string;
  latest_version: number | null;
  aliases: Record<string, number>;
  versions: ModelVersion[];
}

export interface Endpoint {
  id: string;
  name: string;
  model_name: string;
  model_version: number;
  alias: string | null;
  state: string;
  input_schema: SchemaField[];
  task: string;
  created_at: string;
  updated_at: string;
  url: string;
}

export interface EndpointCreate {
  name: string;
  model: string;
  version?: number;
  alias?: string;
}

export interface Prediction {
  predictions: unknown[];
  probabilities: Record<string, number>[] | null;
  model_name: string;
  model_version: number;
}

export interface BatchPredictionCreate {
  model: string;
  version?: number;
  alias?: string;
  dataset: string;
  dataset_version?: number;
  output_name: string;
}
