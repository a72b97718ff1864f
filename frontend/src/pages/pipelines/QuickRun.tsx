// Quick run: sample rows + mode → per-node status on the canvas; a node's log and output preview.
import { useState } from "react";
import { fmtDuration, fmtValue, StateBadge } from "../../ui";
import type { NodeResult, PipelineResult, QuickSample, Variable } from "./api";
import { VariablesEditor } from "./Inspector";

export function QuickControls({ busy, variables, onRun, dirty }: {
  busy: boolean;
  dirty: boolean;
  variables: Record<string, Variable>;
  onRun: (sample: QuickSample, variables: Record<string, Variable>) => void;
}) {
  const [rows, setRows] = useState(1000);
  const [mode, setMode] = useState<"head" | "random">("head");
  const [seed, setSeed] = useState(0);
  const [vars, setVars] = useState(variables);
  return (
    <div className="pl-side-form" data-testid="quick-form">
      <p className="muted small">Runs every node on a sample of each source, in memory; nothing is written.</p>
      <label className="field">
        <span>Sample rows</span>
        <input type="number" min={1} max={10000} value={rows} data-testid="quick-rows" onChange={(e) => setRows(Number(e.target.value))} />
      </label>
      <label className="field">
        <span>Mode</span>
        <select value={mode} data-testid="quick-mode" onChange={(e) => setMode(e.target.value as "head" | "random")}>
          <option value="head">head (first rows)</option>
          <option value="random">random (seeded)</option>
        </select>
      </label>
      {mode === "random" && (
        <label className="field">
          <span>Seed</span>
          <input type="number" min={0} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
        </label>
      )}
      <div className="fieldset-title">Variables</div>
      <VariablesEditor value={vars} onChange={setVars} testPrefix="quick-var" />
      <button
        className="btn btn-primary pl-wide"
        data-testid="quick-run"
        disabled={busy || rows < 1 || rows > 10000}
        onClick={() => onRun({ mode, rows, ...(mode === "random" ? { seed } : {}) }, vars)}
      >
        {busy ? "Running…" : dirty ? "Save & quick run" : "Quick run"}
      </button>
    </div>
  );
}

/** A preview table; cells carry ``preview-cell-<row>-<column>`` test ids. */
export function PreviewTable({ rows, testId }: { rows: Record<string, unknown>[]; testId: string }) {
  if (!rows.length) return <div className="muted small">No rows.</div>;
  const columns = Object.keys(rows[0]);
  return (
    <div className="scroll-x pl-preview">
      <table className="table compact" data-testid={testId}>
        <thead>
          <tr>
            <th className="muted">#</th>
            {columns.map((c) => (
              <th key={c} data-testid={`preview-col-${c}`}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className="muted">{i + 1}</td>
              {columns.map((c) => (
                <td key={c} className={typeof r[c] === "number" ? "num" : r[c] === null ? "pl-null" : ""} data-testid={`preview-cell-${i}-${c}`}>
                  {r[c] === null ? "null" : fmtValue(r[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function NodeResultView({ result }: { result: NodeResult }) {
  const ports = Object.keys(result.preview ?? {});
  const [port, setPort] = useState(ports[0]);
  const shown = port && ports.includes(port) ? port : ports[0];
  return (
    <div className="pl-result" data-testid={`node-result-${result.id}`}>
      <div className="pl-result-head">
        <strong>{result.id}</strong> {result.op !== result.id && <span className="muted mono">{result.op}</span>} <StateBadge state={result.status} testId="node-result-status" />
        <span className="muted">{fmtDuration(result.duration_s)}</span>
        {Object.entries(result.rows ?? {}).map(([p, n]) => (
          <span key={p} className="tag" data-testid={`node-rows-${p}`}>
            {p}: {n.toLocaleString()} rows
          </span>
        ))}
      </div>
      {result.error && <div className="alert alert-error" data-testid="node-error">{result.error}</div>}
      <div className="pl-result-body">
        <div className="pl-result-log">
          <div className="fieldset-title">Log</div>
          <pre className="code logs pl-log" data-testid="node-log">
            {result.log.length ? result.log.join("\n") : "(no log lines)"}
          </pre>
        </div>
        <div className="pl-result-preview">
          <div className="pl-port-tabs">
            <span className="fieldset-title">Preview</span>
            {ports.map((p) => (
              <button key={p} className={`tab ${p === shown ? "active" : ""}`} data-testid={`preview-port-${p}`} onClick={() => setPort(p)}>
                {p}
              </button>
            ))}
          </div>
          {shown ? <PreviewTable rows={result.preview[shown]} testId={`preview-${result.id}-${shown}`} /> : <div className="muted small">No output.</div>}
        </div>
      </div>
    </div>
  );
}

export function QuickSummary({ result, selected }: { result: PipelineResult | undefined; selected: string | null }) {
  if (!result) return <div className="pl-hint muted">Run a quick run, then click a node to see its log and a preview of its output.</div>;
  const node = selected ? result.nodes[selected] : undefined;
  return (
    <div data-testid="quick-result" data-status={result.status}>
      <div className="pl-result-summary">
        Quick run <StateBadge state={result.status} testId="quick-status" /> in {fmtDuration(result.duration_s)} ·{" "}
        {Object.keys(result.nodes).length} nodes
        {!node && <span className="muted"> · click a node to see its log and preview</span>}
      </div>
      {node && <NodeResultView key={node.id} result={node} />}
    </div>
  );
}
