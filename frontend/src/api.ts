// Typed client for the Loom REST API v1 (one function per call in api.md).
// The bearer token lives in localStorage; a 401 clears it and sends the user to the login screen.

export const TOKEN_KEY = "loom.token";
const BASE = "/api/v1";

export type * from "./types";
import type {
  Algorithm,
  BatchPredictionCreate,
  DatasetImport,
  Dataset,
  DatasetVersion,
  Endpoint,
  EndpointCreate,
  Experiment,
  Health,
  IssuedToken,
  Job,
  Json,
  ListResponse,
  Model,
  ModelVersion,
  Prediction,
  Preview,
  Run,
  RunComparison,
  RunCreate,
  WhoAmI,
  Workspace,
} from "./types";

/** An error answer from the server, keeping its one-line detail and machine code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string,
    readonly details: Json = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

type UnauthorizedHandler = (message: string) => void;
let onUnauthorized: UnauthorizedHandler = () => undefined;

/** The app registers how to react to a 401 (back to login with a message). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

async function toError(res: Response): Promise<ApiError> {
  let detail = `${res.status} ${res.statusText}`;
  let code = "http_error";
  let details: Json = {};
  try {
    const body = (await res.json()) as { detail?: unknown; code?: string; details?: Json };
    if (typeof body.detail === "string") detail = body.detail;
    else if (body.detail !== undefined) detail = JSON.stringify(body.detail);
    code = body.code ?? code;
    details = body.details ?? {};
  } catch {
    // Non-JSON error body (e.g. a proxy page): keep the status line.
  }
  return new ApiError(res.status, detail, code, details);
}

/** Low-level request: adds the bearer header, maps errors, handles 401 centrally. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  if (init.body && typeof init.body === "string") headers.set("Content-Type", "application/json");
  const res = await fetch(`${BASE}${path}`, { ...init, headers });
  if (res.ok) return res;
  const error = await toError(res);
  if (res.status === 401) {
    clearToken();
    onUnauthorized(`Signed out: ${error.detail}`);
  }
  throw error;
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const post = <T>(path: string, body?: unknown) =>
  json<T>(path, { method: "POST", body: JSON.stringify(body ?? {}) });
const put = <T>(path: string, body: unknown) =>
  json<T>(path, { method: "PUT", body: JSON.stringify(body) });
const patch = <T>(path: string, body: unknown) =>
  json<T>(path, { method: "PATCH", body: JSON.stringify(body) });
const del = <T>(path: string) => json<T>(path, { method: "DELETE" });

// Identity
export const health = () => json<Health>("/health");
/** Checks a token before storing it: the login screen passes it explicitly. */
export async function whoami(token?: string): Promise<WhoAmI> {
  if (token === undefined) return json<WhoAmI>("/whoami");
  const res = await fetch(`${BASE}/whoami`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as WhoAmI;
}
export const createWorkspace = (name: string) => post<Workspace>("/workspaces", { name });
export const listWorkspaces = () => json<ListResponse<Workspace>>("/workspaces");
export const createToken = (body: { name: string; workspace?: string; scope: "workspace" | "admin" }) =>
  post<IssuedToken>("/tokens", body);

// Jobs
export const listJobs = (f: { state?: string; type?: string; limit?: number } = {}) =>
  json<ListResponse<Job>>(`/jobs${query(f)}`);
export const getJob = (id: string) => json<Job>(`/jobs/${enc(id)}`);
export const getJobLogs = async (id: string) => (await request(`/jobs/${enc(id)}/logs`)).text();
export const cancelJob = (id: string) => post<Job>(`/jobs/${enc(id)}/cancel`);
export const retryJob = (id: string) => post<Job>(`/jobs/${enc(id)}/retry`);

// Datasets
export const importDataset = (body: DatasetImport) => post<Job>("/datasets/imports", body);
export function uploadDataset(name: string, file: File): Promise<Job> {
  const form = new FormData();
  form.append("name", name);
  form.append("file", file);
  return json<Job>("/datasets/uploads", { method: "POST", body: form });
}
export const listDatasets = () => json<ListResponse<Dataset>>("/datasets");
export const getDataset = (ds: string) => json<Dataset>(`/datasets/${enc(ds)}`);
export const listDatasetVersions = (ds: string) =>
  json<ListResponse<DatasetVersion>>(`/datasets/${enc(ds)}/versions`);
export const previewDataset = (ds: string, version?: number) =>
  json<Preview>(`/datasets/${enc(ds)}/preview${query({ version })}`);

// Algorithms
export const listAlgorithms = (task?: string) => json<ListResponse<Algorithm>>(`/algorithms${query({ task })}`);
export const getAlgorithm = (name: string) => json<Algorithm>(`/algorithms/${enc(name)}`);

// Runs and experiments
export const createRun = (body: RunCreate) => post<Run>("/runs", body);
export const listRuns = (f: { experiment?: string; state?: string } = {}) =>
  json<ListResponse<Run>>(`/runs${query(f)}`);
export const getRun = (id: string) => json<Run>(`/runs/${enc(id)}`);
export const compareRuns = (ids: string[]) => json<RunComparison>(`/runs/compare${query({ ids: ids.join(",") })}`);
export const listExperiments = () => json<ListResponse<Experiment>>("/experiments");
/** Plots need the bearer header, so they are fetched as blobs and shown via object URLs. */
export async function getRunPlot(id: string, file: string): Promise<Blob> {
  return (await request(`/runs/${enc(id)}/plots/${enc(file)}`)).blob();
}

// Model registry
export const registerModel = (body: { name: string; run_id: string; description?: string }) =>
  post<ModelVersion>("/models", body);
export const listModels = () => json<ListResponse<Model>>("/models");
export const getModel = (model: string) => json<Model>(`/models/${enc(model)}`);
export const getModelVersion = (model: string, version: number) =>
  json<ModelVersion>(`/models/${enc(model)}/versions/${version}`);
export const setAlias = (model: string, alias: string, version: number) =>
  put<Model>(`/models/${enc(model)}/aliases/${enc(alias)}`, { version });
export const deleteAlias = (model: string, alias: string) =>
  del<unknown>(`/models/${enc(model)}/aliases/${enc(alias)}`);

// Endpoints
export const createEndpoint = (body: EndpointCreate) => post<Endpoint>("/endpoints", body);
export const listEndpoints = () => json<ListResponse<Endpoint>>("/endpoints");
export const getEndpoint = (ep: string) => json<Endpoint>(`/endpoints/${enc(ep)}`);
export const updateEndpoint = (ep: string, body: { version?: number; alias?: string }) =>
  patch<Endpoint>(`/endpoints/${enc(ep)}`, body);
export const deleteEndpoint = (ep: string) => del<unknown>(`/endpoints/${enc(ep)}`);
export const issueEndpointToken = (ep: string, name?: string) =>
  post<IssuedToken>(`/endpoints/${enc(ep)}/tokens`, name ? { name } : {});
export const predict = (ep: string, records: Record<string, unknown>[]) =>
  post<Prediction>(`/endpoints/${enc(ep)}/predict`, { records });
export const createBatchPrediction = (body: BatchPredictionCreate) => post<Job>("/batch-predictions", body);
