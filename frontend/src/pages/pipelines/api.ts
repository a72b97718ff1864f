// Typed calls for feature pipelines (the REST contract in the pipelines service brief).
import { request, type ListResponse } from "../../api";

export type Json = Record<string, unknown>;
export type Variable = string | number | boolean;

/** One parameter row of an operator's form (``describe_params``). */
export interface OperatorParam {
  name: string;
  accepts: string;
  default: unknown;
  required: boolean;
  description: string;
}

/** A palette entry: ports, flags and the parameter form (``describe_operator``). */
export interface OperatorInfo {
  name: string;
  summary: string;
  version: string;
  inputs: string[];
  optional_inputs: string[];
  outputs: string[];
  stateful: boolean;
  in_memory: boolean;
  params: OperatorParam[];
  params_schema: JsonSchema;
}

/** The subset of JSON Schema that pydantic emits for operator parameters. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  title?: string;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

export interface NodeSpec {
  id: string;
  op: string;
  params: Json;
  inputs: Record<string, string>;
}

export interface PipelineSpec {
  name: string;
  variables: Record<string, Variable>;
  nodes: NodeSpec[];
}

export interface Issue {
  code: string;
  severity: "error" | "warning";
  message: string;
  node: string | null;
  column: string | null;
  port: string | null;
  variable: string | null;
  details: Json;
}

export interface SchemaColumn {
  name: string;
  type: string;
}

export interface Validation {
  valid: boolean;
  issues: Issue[];
  schemas: Record<string, Record<string, SchemaColumn[]>>;
  canonical_json: string | null;
}

export interface Alerts {
  webhook_url?: string | null;
  email?: string[];
  on?: ("failure" | "success")[];
}

export interface ScheduleSpec {
  cron: string;
  timezone?: string;
  variables?: Record<string, string>;
  outputs: Record<string, string>;
  alerts?: Alerts | null;
  enabled: boolean;
  next_run_at?: string | null;
  last_run_at?: string | null;
}

/** One node of a full run, updated live while the run's job works (queued → running → …). */
export interface RunNode {
  status: string;
  op?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  duration_s: number | null;
  rows?: Record<string, number> | null;
  error?: string | null;
  cached?: boolean;
  fused_into?: string | null;
  log?: string[];
}

export interface PipelineRun {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  job_id: string;
  error?: string | null;
  variables: Record<string, Variable>;
  nodes: Record<string, RunNode>;
  outputs: Record<string, { dataset: string; version: number }>;
  trigger: "manual" | "schedule";
  created_at: string;
  finished_at: string | null;
}

export interface Pipeline {
  id: string;
  name: string;
  description: string | null;
  version: number;
  spec: PipelineSpec;
  spec_hash: string;
  created_at: string;
  updated_at: string;
  schedule: ScheduleSpec | null;
  last_run: PipelineRun | null;
}

export interface NodeResult {
  id: string;
  op: string;
  status: string;
  duration_s: number | null;
  log: string[];
  rows: Record<string, number>;
  schemas: Record<string, SchemaColumn[]>;
  preview: Record<string, Record<string, unknown>[]>;
  error: string | null;
}

export interface PipelineResult {
  pipeline: string;
  mode: "quick" | "full";
  status: "succeeded" | "failed";
  duration_s: number;
  nodes: Record<string, NodeResult>;
}

export interface QuickSample {
  mode: "head" | "random";
  rows: number;
  seed?: number;
}

const enc = encodeURIComponent;

async function call<T>(path: string, method = "GET", body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A list answer may be a page ({items, total}) or a bare array; both read the same here. */
function items<T>(page: ListResponse<T> | T[]): T[] {
  return Array.isArray(page) ? page : page.items;
}

export const listOperators = async () => items(await call<ListResponse<OperatorInfo> | OperatorInfo[]>("/pipeline-operators"));
export const validatePipeline = (body: { spec?: PipelineSpec; yaml?: string; variables?: Json }) =>
  call<Validation>("/pipelines/validate", "POST", body);
export const listPipelines = async () => items(await call<ListResponse<Pipeline> | Pipeline[]>("/pipelines"));
export const getPipeline = (name: string, version?: number) =>
  call<Pipeline>(`/pipelines/${enc(name)}${version ? `?version=${version}` : ""}`);
export const createPipeline = (body: { name: string; spec: PipelineSpec; description?: string }) =>
  call<Pipeline>("/pipelines", "POST", body);
export const updatePipeline = (name: string, body: { spec: PipelineSpec; description?: string }) =>
  call<Pipeline>(`/pipelines/${enc(name)}`, "PUT", body);
export const deletePipeline = (name: string) => call<unknown>(`/pipelines/${enc(name)}`, "DELETE");
export const quickRun = (name: string, body: { variables?: Json; sample?: QuickSample }) =>
  call<PipelineResult>(`/pipelines/${enc(name)}/quick`, "POST", body);
export const startRun = (name: string, body: { variables?: Json; outputs: Record<string, string> }) =>
  call<PipelineRun>(`/pipelines/${enc(name)}/runs`, "POST", body);
export const listRuns = async (pipeline: string) =>
  items(await call<ListResponse<PipelineRun> | PipelineRun[]>(`/pipeline-runs?pipeline=${enc(pipeline)}`));
export const getRun = (id: string) => call<PipelineRun>(`/pipeline-runs/${enc(id)}`);
export const putSchedule = (name: string, body: ScheduleSpec) =>
  call<ScheduleSpec>(`/pipelines/${enc(name)}/schedule`, "PUT", body);
export const deleteSchedule = (name: string) => call<unknown>(`/pipelines/${enc(name)}/schedule`, "DELETE");

export const FINAL_STATES = ["succeeded", "failed", "cancelled"];
