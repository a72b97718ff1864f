// Shared building blocks: data-loading hooks, formatting helpers and small presentational pieces.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, getJob, type Job, type JobState, type SchemaField } from "./api";

export const ACTIVE_STATES: JobState[] = ["queued", "running"];
export const isActive = (state: JobState | undefined) => state !== undefined && ACTIVE_STATES.includes(state);

/** Metrics where a smaller value is better (used to highlight the best run in a comparison). */
export const LOWER_IS_BETTER = new Set([
  "rmse", "mae", "mse", "log_loss", "davies_bouldin", "median_ae", "huber", "mape", "brier", "perplexity",
]);

/** Errors and losses: smaller is better (pinball losses come one per quantile, e.g. pinball_q10). */
export const lowerIsBetter = (metric: string) => LOWER_IS_BETTER.has(metric) || metric.startsWith("pinball");

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data with `fn` whenever `deps` change; if `pollMs(data)` returns a number the
 * load repeats after that delay (used for queued/running jobs and runs).
 */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], pollMs?: (data: T) => number | null): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const pollRef = useRef(pollMs);
  pollRef.current = pollMs;

  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    setLoading(true);
    fnRef
      .current()
      .then((value) => {
        if (!alive) return;
        setData(value);
        setError(undefined);
        const delay = pollRef.current?.(value);
        if (delay != null) timer = window.setTimeout(() => setTick((t) => t + 1), delay);
      })
      .catch((err: unknown) => alive && setError(errorText(err)))
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
      if (timer !== undefined) window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: string | undefined;
  /** Sets or clears the error line directly (a check made before any request). */
  setError: (error: string | undefined) => void;
  /** Runs `fn` with busy set and the previous error cleared; a failure becomes `error` and resolves undefined. */
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
}

/** The busy flag and error line of a form's submit or a button's request, so each form need not repeat them. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(errorText(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Polls a job until it reaches a final state; returns the latest snapshot. */
export function useJob(jobId: string | undefined, intervalMs = 700): Job | undefined {
  const { data } = useLoad(
    () => (jobId ? getJob(jobId) : Promise.resolve(undefined)),
    [jobId],
    (job) => (job && isActive(job.state) ? intervalMs : null),
  );
  return jobId ? data : undefined;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds == null) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

export function jobDuration(job: Job): number | null {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return (end - Date.parse(job.started_at)) / 1000;
}

/** Generic values: numbers trimmed to at most 4 decimals (7.9, not 7.9000); objects as JSON. */
export function fmtValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toFixed(Math.abs(value) >= 1000 ? 1 : 4)));
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Metric values: always 4 decimals, so columns of scores line up. */
export function fmtMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 10000 ? value.toFixed(1) : value.toFixed(4);
}

export function fmtBytes(n: number | null | undefined): string {
  if (n == null) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The metric a list shows first for a task. */
export function mainMetric(task: string, metrics: Record<string, number>): [string, number] | undefined {
  const preferred: Record<string, string[]> = {
    classification: ["accuracy", "f1", "roc_auc"],
    regression: ["r2", "rmse", "mae"],
    clustering: ["silhouette", "davies_bouldin", "n_clusters"],
  };
  for (const name of preferred[task] ?? []) {
    if (name in metrics) return [name, metrics[name]];
  }
  const first = Object.entries(metrics)[0];
  return first ? [first[0], first[1]] : undefined;
}

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <span className={`badge badge-${state}`} data-testid={testId ?? "state"} data-state={state}>
      {state}
    </span>
  );
}

export function ErrorBox({ error, testId }: { error: string | undefined | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid={testId ?? "error"}>
      {error}
    </div>
  );
}

export function Notice({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="alert alert-info" data-testid={testId}>
      {children}
    </div>
  );
}

export function PageHeader({ title, children, sub }: { title: ReactNode; children?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {sub && <div className="muted">{sub}</div>}
      </div>
      <div className="actions">{children}</div>
    </div>
  );
}

export function Card({ title, children, actions, testId }: {
  title?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card" data-testid={testId}>
      {(title || actions) && (
        <div className="card-header">
          <h2>{title}</h2>
          {actions && <div className="actions">{actions}</div>}
        </div>
      )}
      <div className="card-body">{children}</div>
    </section>
  );
}

export function Loading({ what }: { what?: string }) {
  return <div className="muted loading">Loading{what ? ` ${what}` : ""}…</div>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty muted">{children}</div>;
}

/** Label/value pairs in a compact two-column grid. */
export function KeyValues({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows.map(([k, v]) => (
        <div key={k} className="kv-row">
          <dt>{k}</dt>
          <dd data-testid={`kv-${k.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Key/value table for arbitrary JSON objects (params, results). */
export function JsonTable({ value, testPrefix }: { value: Record<string, unknown> | null | undefined; testPrefix?: string }) {
  const entries = Object.entries(value ?? {});
  if (!entries.length) return <Empty>None</Empty>;
  return (
    <table className="table compact">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td className="mono wrap" data-testid={testPrefix ? `${testPrefix}-${k}` : undefined}>
              {v !== null && typeof v === "object" && !Array.isArray(v) ? (
                <JsonTable value={v as Record<string, unknown>} />
              ) : (
                fmtValue(v)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A live job status line: state badge, and the error once it fails. */
export function JobStatus({ job, testId }: { job: Job | undefined; testId?: string }) {
  if (!job) return null;
  return (
    <div className="job-status" data-testid={testId ?? "job-status"} data-state={job.state}>
      <StateBadge state={job.state} testId="job-state" />{" "}
      <a href={`#/jobs/${job.id}`} className="mono">
        {job.id}
      </a>
      {isActive(job.state) && <span className="spinner" aria-hidden />}
      {job.error && <ErrorBox error={job.error} testId="job-error" />}
    </div>
  );
}

/** The columns a model or endpoint takes: name, type and whether null is accepted. */
export function SchemaTable({ fields, testId }: { fields: SchemaField[]; testId?: string }) {
  return (
    <table className="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th>Column</th>
          <th>Type</th>
          <th>Nullable</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.name}>
            <td className="mono">{f.name}</td>
            <td>{f.type}</td>
            <td>{f.nullable ? "yes" : "no"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
