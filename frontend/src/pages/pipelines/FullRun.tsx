// Full run: outputs (node.port → dataset) and variables → a job; per-node status, output links, history.
import { useEffect, useState } from "react";
import { Link } from "../../router";
import { Empty, fmtDate, fmtDuration, StateBadge } from "../../ui";
import type { PipelineRun, Variable } from "./api";
import { VariablesEditor } from "./Inspector";

/** Rows of "node.port → dataset name"; the choices are every output port on the canvas. */
export function OutputsEditor({ ports, value, onChange, testPrefix = "output" }: {
  ports: string[];
  value: [string, string][];
  onChange: (rows: [string, string][]) => void;
  testPrefix?: string;
}) {
  return (
    <div className="pl-outputs" data-testid={`${testPrefix}-editor`}>
      {value.map(([ref, name], i) => (
        <div className="pl-out-row" key={i}>
          <select value={ref} data-testid={`${testPrefix}-port-${i}`} onChange={(e) => onChange(value.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}>
            <option value="">— port —</option>
            {ports.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <span className="muted">→</span>
          <input placeholder="dataset name" value={name} data-testid={`${testPrefix}-dataset-${i}`} onChange={(e) => onChange(value.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button className="btn btn-ghost btn-sm" title="Remove" onClick={() => onChange(value.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button className="btn btn-sm" data-testid={`${testPrefix}-add`} onClick={() => onChange([...value, ["", ""]])}>
        + output
      </button>
    </div>
  );
}

export function RunControls({ ports, variables, busy, dirty, onRun }: {
  ports: string[];
  variables: Record<string, Variable>;
  busy: boolean;
  dirty: boolean;
  onRun: (outputs: Record<string, string>, variables: Record<string, Variable>) => void;
}) {
  const [outputs, setOutputs] = useState<[string, string][]>([["", ""]]);
  const [vars, setVars] = useState(variables);
  const chosen = outputs.filter(([r, n]) => r && n.trim());
  return (
    <div className="pl-side-form" data-testid="run-form">
      <p className="muted small">Runs on all rows as a job; each chosen port becomes a new dataset version with lineage.</p>
      <div className="fieldset-title">Outputs</div>
      <OutputsEditor ports={ports} value={outputs} onChange={setOutputs} />
      <div className="fieldset-title">Variables</div>
      <VariablesEditor value={vars} onChange={setVars} testPrefix="run-var" />
      <button
        className="btn btn-primary pl-wide"
        data-testid="run-start"
        disabled={busy || !chosen.length}
        onClick={() => onRun(Object.fromEntries(chosen.map(([r, n]) => [r, n.trim()])), vars)}
      >
        {busy ? "Starting…" : dirty ? "Save & run" : "Run pipeline"}
      </button>
    </div>
  );
}

/** Seconds since an ISO time, ticking once a second (a running node's duration so far). */
function Elapsed({ since }: { since: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return <>{fmtDuration(Math.max(0, (now - Date.parse(since)) / 1000))}</>;
}

/** One run: state, job link, per-node table (live while it runs) and the datasets it wrote. */
export function RunView({ run }: { run: PipelineRun }) {
  const nodes = Object.entries(run.nodes ?? {});
  const outputs = Object.entries(run.outputs ?? {});
  const live = nodes.filter(([, n]) => n.status === "running");
  return (
    <div className="pl-run" data-testid="run-view" data-state={run.state}>
      <div className="pl-result-summary">
        Run <span className="mono" data-testid="run-id">{run.id}</span> <StateBadge state={run.state} testId="run-state" /> · v{run.version} ·{" "}
        {run.trigger} · job{" "}
        <Link to={`/jobs/${run.job_id}`} testId="run-job-link">
          <span className="mono">{run.job_id}</span>
        </Link>{" "}
        · started {fmtDate(run.created_at)}
        {run.finished_at && <> · finished {fmtDate(run.finished_at)}</>}
      </div>
      {run.error && <div className="alert alert-error" data-testid="run-error">{run.error}</div>}
      {live.length > 0 && (
        <pre className="pl-live-log small" data-testid="run-live-log">
          {live.map(([id, n]) => (n.log ?? []).slice(-5).map((line) => `[${id}] ${line}`).join("\n")).join("\n") || "starting…"}
        </pre>
      )}
      <div className="pl-run-grid">
        <table className="table compact" data-testid="run-nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th>Status</th>
              <th className="num">Duration</th>
              <th className="num">Rows</th>
              <th>Notes</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map(([id, n]) => (
              <tr key={id} data-testid={`run-node-${id}`} data-status={n.status}>
                <td className="mono">{id}</td>
                <td>
                  <StateBadge state={n.status} testId={`run-node-status-${id}`} />
                </td>
                <td className="num">{n.status === "running" && n.started_at ? <Elapsed since={n.started_at} /> : fmtDuration(n.duration_s)}</td>
                <td className="num">{Object.values(n.rows ?? {}).map((r) => r.toLocaleString()).join(" / ") || "—"}</td>
                <td className="pl-err-cell">
                  {n.error ?? (n.fused_into ? <span className="muted small">computed in {n.fused_into}'s query</span> : "")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <div className="fieldset-title">Output datasets</div>
          {outputs.length ? (
            <ul className="pl-out-links">
              {outputs.map(([ref, o]) => (
                <li key={ref}>
                  <span className="mono">{ref}</span> →{" "}
                  <Link to={`/datasets/${o.dataset}`} testId={`run-output-${o.dataset}`}>
                    {o.dataset}
                  </Link>{" "}
                  <span className="muted">v{o.version}</span>
                </li>
              ))}
            </ul>
          ) : (
            <div className="muted small">{["queued", "running"].includes(run.state) ? "Written when the run succeeds." : "None."}</div>
          )}
        </div>
      </div>
    </div>
  );
}

export function RunHistory({ runs, selected, onSelect }: { runs: PipelineRun[]; selected?: string; onSelect: (run: PipelineRun) => void }) {
  if (!runs.length) return <Empty>No runs yet.</Empty>;
  return (
    <table className="table compact" data-testid="run-history">
      <thead>
        <tr>
          <th>Run</th>
          <th>Version</th>
          <th>State</th>
          <th>Trigger</th>
          <th>Started</th>
          <th className="num">Duration</th>
          <th>Outputs</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} className={r.id === selected ? "selected" : undefined} onClick={() => onSelect(r)} style={{ cursor: "pointer" }} data-testid={`history-${r.id}`}>
            <td className="mono">{r.id}</td>
            <td>v{r.version}</td>
            <td>
              <StateBadge state={r.state} testId={`history-state-${r.id}`} />
            </td>
            <td>{r.trigger}</td>
            <td>{fmtDate(r.created_at)}</td>
            <td className="num">{r.finished_at ? fmtDuration((Date.parse(r.finished_at) - Date.parse(r.created_at)) / 1000) : "—"}</td>
            <td>{Object.values(r.outputs ?? {}).map((o) => `${o.dataset} v${o.version}`).join(", ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
