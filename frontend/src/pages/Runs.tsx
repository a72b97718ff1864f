// Runs: the run list with selection, and the side-by-side comparison of params and metrics.
import { useState } from "react";
import { compareRuns, listRuns, type Run } from "../api";
import { hashQuery, Link, navigate } from "../router";
import {
  Card,
  Empty,
  ErrorBox,
  fmtDate,
  fmtDuration,
  fmtMetric,
  fmtValue,
  isActive,
  Loading,
  lowerIsBetter,
  mainMetric,
  PageHeader,
  StateBadge,
  useLoad,
} from "../ui";

const STATES = ["", "queued", "running", "succeeded", "failed", "cancelled"];

export function Runs() {
  const [state, setState] = useState("");
  const runs = useLoad(
    () => listRuns({ state }),
    [state],
    (data) => (data.items.some((r) => isActive(r.state)) ? 2000 : null),
  );
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHeader title="Runs" sub="Training runs across experiments.">
        <select data-testid="runs-state-filter" value={state} onChange={(e) => setState(e.target.value)}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s || "all states"}
            </option>
          ))}
        </select>
        <button
          className="btn"
          data-testid="compare-button"
          disabled={picked.size < 2}
          onClick={() => navigate(`/runs/compare?ids=${[...picked].join(",")}`)}
        >
          Compare ({picked.size})
        </button>
        <Link to="/train" className="btn btn-primary" testId="new-run">
          New run
        </Link>
      </PageHeader>
      <Card>
        <ErrorBox error={runs.error} />
        {!runs.data ? (
          <Loading />
        ) : runs.data.items.length === 0 ? (
          <Empty>No runs yet.</Empty>
        ) : (
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th />
                <th>Run</th>
                <th>State</th>
                <th>Algorithm</th>
                <th>Dataset</th>
                <th>Experiment</th>
                <th className="num">Main metric</th>
                <th className="num">Duration</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((r) => {
                const main = mainMetric(r.task, r.metrics);
                return (
                  <tr key={r.id} data-testid={`run-row-${r.id}`}>
                    <td>
                      <input type="checkbox" data-testid={`run-select-${r.id}`} checked={picked.has(r.id)} onChange={() => toggle(r.id)} />
                    </td>
                    <td>
                      <Link to={`/runs/${r.id}`} testId={`run-link-${r.id}`}>
                        {r.name || r.id}
                      </Link>
                    </td>
                    <td>
                      <StateBadge state={r.state} />
                    </td>
                    <td className="mono">{r.algorithm}</td>
                    <td>
                      {r.dataset_name} <span className="muted">v{r.dataset_version}</span>
                    </td>
                    <td>{r.experiment.name}</td>
                    <td className="num">{main ? <>{fmtMetric(main[1])} <span className="muted small">{main[0]}</span></> : "—"}</td>
                    <td className="num">{fmtDuration(r.duration_s)}</td>
                    <td>{fmtDate(r.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

/** The id of the best run for one metric (max, or min for error-like metrics). */
function bestRun(runs: Run[], metric: string): string | undefined {
  const lower = lowerIsBetter(metric);
  let best: Run | undefined;
  for (const r of runs) {
    const v = r.metrics[metric];
    if (v === undefined || Number.isNaN(v)) continue;
    if (!best || (lower ? v < best.metrics[metric] : v > best.metrics[metric])) best = r;
  }
  return runs.filter((r) => r.metrics[metric] !== undefined).length > 1 ? best?.id : undefined;
}

export function Compare() {
  const ids = (hashQuery().get("ids") ?? "").split(",").filter(Boolean);
  const cmp = useLoad(() => compareRuns(ids), [ids.join(",")]);
  if (cmp.error) return <ErrorBox error={cmp.error} />;
  if (!cmp.data) return <Loading what="comparison" />;
  const { runs, metric_names, param_names } = cmp.data;
  const fixed: [string, (r: Run) => string][] = [
    ["algorithm", (r) => r.algorithm],
    ["dataset", (r) => `${r.dataset_name} v${r.dataset_version}`],
    ["target", (r) => r.target ?? "—"],
    ["validation", (r) => (r.cv_folds ? `${r.cv_folds}-fold CV` : `holdout ${r.test_size}`)],
    ["seed", (r) => String(r.seed)],
  ];
  return (
    <>
      <PageHeader title="Compare runs" sub={`${runs.length} runs side by side; the best value per metric is highlighted.`} />
      <Card>
        <div className="scroll-x">
          <table className="table compact compare" data-testid="compare-table">
            <thead>
              <tr>
                <th />
                {runs.map((r) => (
                  <th key={r.id}>
                    <Link to={`/runs/${r.id}`}>{r.name || r.id}</Link> <StateBadge state={r.state} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr className="section">
                <th colSpan={runs.length + 1}>Metrics</th>
              </tr>
              {metric_names.map((m) => {
                const best = bestRun(runs, m);
                return (
                  <tr key={m}>
                    <th className="mono">{m}</th>
                    {runs.map((r) => (
                      <td key={r.id} className={`num${best === r.id ? " best" : ""}`} data-testid={`compare-metric-${m}-${r.id}`}>
                        {fmtMetric(r.metrics[m])}
                      </td>
                    ))}
                  </tr>
                );
              })}
              <tr className="section">
                <th colSpan={runs.length + 1}>Setup</th>
              </tr>
              {fixed.map(([name, get]) => (
                <tr key={name}>
                  <th>{name}</th>
                  {runs.map((r) => (
                    <td key={r.id}>{get(r)}</td>
                  ))}
                </tr>
              ))}
              <tr className="section">
                <th colSpan={runs.length + 1}>Parameters</th>
              </tr>
              {param_names.map((p) => {
                const distinct = new Set(runs.map((r) => JSON.stringify(r.params[p]))).size > 1;
                return (
                  <tr key={p} className={distinct ? "differs" : undefined}>
                    <th className="mono">{p}</th>
                    {runs.map((r) => (
                      <td key={r.id} className="mono">
                        {fmtValue(r.params[p])}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
