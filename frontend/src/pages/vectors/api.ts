// Typed client for the vector-collection routes (issue 6 REST contract), on top of api.ts's request().
import { request, type Job, type ListResponse } from "../../api";

export type Metric = "l2" | "ip" | "cosine";
export type FieldType = "int" | "float" | "string" | "bool" | "tags";
export const FIELD_TYPES: FieldType[] = ["int", "float", "string", "bool", "tags"];
export const METRICS: Metric[] = ["l2", "ip", "cosine"];

export interface FieldSpec {
  name: string;
  type: FieldType;
}

export interface IndexSpec {
  factory: string;
  refine: boolean;
  refine_factor?: number;
}

/** The server may send an index as a bare factory string or as an IndexSpec object. */
export type IndexRef = string | IndexSpec;

export interface MemoryBytes {
  index?: number;
  vectors?: number;
  fields?: number;
  ids?: number;
  total?: number;
  [part: string]: number | undefined;
}

export interface CollectionStats {
  count: number;
  memory_bytes: MemoryBytes;
  is_trained: boolean;
  rebuilding: boolean;
  tombstones: number;
  wal_bytes: number;
  [key: string]: unknown;
}

export interface EvaluationReport {
  index: IndexRef;
  k: number;
  n_queries: number;
  queries_from: string;
  recall_at_k: number;
  latency_ms: { p50: number; p95: number; p99: number };
  batch_qps: number;
  count: number;
  memory_bytes: MemoryBytes;
  nprobe?: number | null;
  ef_search?: number | null;
  rerank?: number | null;
}

export interface Collection {
  id: string;
  name: string;
  dim: number;
  metric: Metric;
  fields: FieldSpec[];
  index: IndexSpec;
  advice?: { index: IndexRef; reason: string } | null;
  stats: CollectionStats;
  last_evaluation: EvaluationReport | null;
  created_at: string;
}

export interface CollectionCreate {
  name: string;
  dim: number;
  metric: Metric;
  fields: FieldSpec[];
  index: string | { factory: string; refine: boolean } | null;
  expected_rows?: number;
  memory_budget_mb?: number;
}

export interface IndexAdvice {
  index: IndexRef;
  reason: string;
  estimated_index_bytes: number;
  nprobe: number | null;
  ef_search: number | null;
}

export interface SearchRequest {
  vectors?: number[][];
  ids?: number[];
  k: number;
  filter?: string;
  nprobe?: number;
  ef_search?: number;
  rerank?: number;
  fields?: string[];
  exact?: boolean;
}

export interface Hit {
  id: number;
  distance: number;
  fields: Record<string, unknown>;
}

export interface SearchResponse {
  results: Hit[][];
  strategy: string;
  took_ms: number;
}

export interface EvaluateRequest {
  sample: number;
  k: number;
  nprobe?: number;
  ef_search?: number;
  rerank?: number;
}

export interface FillRequest {
  dataset: string;
  dataset_version?: number;
  id_column: string;
  vector_column?: string;
  vector_columns?: string[];
  field_columns?: string[];
  mode: "upsert" | "insert";
}

const enc = encodeURIComponent;

async function call<T>(path: string, method = "GET", body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body) };
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const base = (name: string) => `/collections/${enc(name)}`;

export const listCollections = () => call<ListResponse<Collection>>("/collections");
export const getCollection = (name: string) => call<Collection>(base(name));
export const createCollection = (body: CollectionCreate) => call<Collection>("/collections", "POST", body);
export const dropCollection = (name: string) => call<void>(base(name), "DELETE");
export const searchCollection = (name: string, body: SearchRequest) =>
  call<SearchResponse>(`${base(name)}/search`, "POST", body);
export const evaluateCollection = (name: string, body: EvaluateRequest) =>
  call<EvaluationReport>(`${base(name)}/evaluate`, "POST", body);
export const rebuildCollection = (name: string, index?: string) =>
  call<{ rebuilding: boolean }>(`${base(name)}/rebuild`, "POST", index ? { index } : {});
export const fillCollection = (name: string, body: FillRequest) => call<Job>(`${base(name)}/fill`, "POST", body);

export function indexAdvice(p: { rows: number; dim: number; memory_budget_mb?: number; recall_target?: number }) {
  const q = Object.entries(p)
    .filter(([, v]) => v !== undefined && !Number.isNaN(v))
    .map(([k, v]) => `${k}=${enc(String(v))}`)
    .join("&");
  return call<IndexAdvice>(`/vector-index-advice?${q}`);
}

/** "HNSW32", or "IVF256,PQ8 + refine": one readable label whatever shape the server sent. */
export function indexLabel(index: IndexRef | null | undefined): string {
  if (!index) return "—";
  if (typeof index === "string") return index;
  return index.refine ? `${index.factory} + refine` : index.factory;
}

export function factoryOf(index: IndexRef | null | undefined): string {
  if (!index) return "";
  return typeof index === "string" ? index : index.factory;
}

/** Whether a factory string has IVF cells (nprobe applies) or an HNSW graph (efSearch applies). */
export const usesNprobe = (factory: string) => /IVF/i.test(factory);
export const usesEfSearch = (factory: string) => /HNSW/i.test(factory);
export const usesRerank = (factory: string) => /PQ|SQ|LSH/i.test(factory);
