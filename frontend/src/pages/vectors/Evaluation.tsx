// Last evaluation of a collection (recall@k, latency percentiles, batch QPS) and the "Evaluate" action.
import { useState } from "react";
import { Card, Empty, ErrorBox, errorText, fmtBytes } from "../../ui";
import { evaluateCollection, indexLabel, usesEfSearch, usesNprobe, type Collection, type EvaluationReport } from "./api";

function Metric({ label, value, unit, testId, raw }: { label: string; value: string; unit?: string; testId: string; raw?: number }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId} data-value={raw}>
        {value}
        {unit && <span className="stat-unit">{unit}</span>}
      </div>
    </div>
  );
}

function recallClass(r: number): string {
  if (r >= 0.95) return "good";
  if (r >= 0.8) return "fair";
  return "poor";
}

export function EvaluationView({ ev, current }: { ev: EvaluationReport; current?: string }) {
  const stale = current !== undefined && indexLabel(ev.index) !== current;
  const settings = [
    ev.nprobe != null ? `nprobe ${ev.nprobe}` : null,
    ev.ef_search != null ? `efSearch ${ev.ef_search}` : null,
    ev.rerank != null ? `rerank ${ev.rerank}` : null,
  ].filter(Boolean);
  return (
    <div data-testid="ve-report">
      <div className="stats-row">
        <div className={`stat stat-recall ${recallClass(ev.recall_at_k)}`}>
          <div className="stat-label">recall@{ev.k}</div>
          <div className="stat-value" data-testid="ve-recall" data-value={ev.recall_at_k}>
            {ev.recall_at_k.toFixed(4)}
          </div>
          <div className="recall-track">
            <span style={{ width: `${Math.max(0, Math.min(1, ev.recall_at_k)) * 100}%` }} />
          </div>
        </div>
        <Metric label="p50 latency" value={ev.latency_ms.p50.toFixed(2)} unit="ms" testId="ve-p50" raw={ev.latency_ms.p50} />
        <Metric label="p95 latency" value={ev.latency_ms.p95.toFixed(2)} unit="ms" testId="ve-p95" raw={ev.latency_ms.p95} />
        <Metric label="p99 latency" value={ev.latency_ms.p99.toFixed(2)} unit="ms" testId="ve-p99" raw={ev.latency_ms.p99} />
        <Metric label="batch QPS" value={Math.round(ev.batch_qps).toLocaleString()} testId="ve-qps" raw={ev.batch_qps} />
      </div>
      <div className="muted small ev-meta">
        {ev.n_queries} queries ({ev.queries_from === "sample" ? "sampled from the collection" : "given"}) against exact search ·
        index <span className="mono">{indexLabel(ev.index)}</span>
        {settings.length > 0 && <> · {settings.join(", ")}</>} · {ev.count.toLocaleString()} vectors
        {ev.memory_bytes.total != null && <> · {fmtBytes(ev.memory_bytes.total)}</>}
      </div>
      {stale && (
        <div className="alert alert-warn small" data-testid="ve-stale">
          Measured on the previous index ({indexLabel(ev.index)}); evaluate again to measure {current}.
        </div>
      )}
    </div>
  );
}

export function EvaluationCard({ c, onDone }: { c: Collection; onDone: () => void }) {
  const [sample, setSample] = useState("100");
  const [k, setK] = useState("10");
  const [nprobe, setNprobe] = useState("");
  const [ef, setEf] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fresh, setFresh] = useState<EvaluationReport>();
  const factory = c.index.factory;
  const ev = fresh ?? c.last_evaluation;

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const report = await evaluateCollection(c.name, {
        sample: Number(sample) || 100,
        k: Number(k) || 10,
        ...(usesNprobe(factory) && nprobe.trim() ? { nprobe: Number(nprobe) } : {}),
        ...(usesEfSearch(factory) && ef.trim() ? { ef_search: Number(ef) } : {}),
      });
      setFresh(report);
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const actions = (
    <>
      <label className="inline-field">
        sample <input type="number" min={1} data-testid="ve-sample" value={sample} onChange={(e) => setSample(e.target.value)} />
      </label>
      <label className="inline-field">
        k <input type="number" min={1} data-testid="ve-k" value={k} onChange={(e) => setK(e.target.value)} />
      </label>
      {usesNprobe(factory) && (
        <label className="inline-field">
          nprobe <input type="number" min={1} data-testid="ve-nprobe" value={nprobe} onChange={(e) => setNprobe(e.target.value)} placeholder="auto" />
        </label>
      )}
      {usesEfSearch(factory) && (
        <label className="inline-field">
          efSearch <input type="number" min={1} data-testid="ve-ef-search" value={ef} onChange={(e) => setEf(e.target.value)} placeholder="auto" />
        </label>
      )}
      <button className="btn btn-primary btn-sm" data-testid="ve-evaluate" disabled={busy || c.stats.count === 0} onClick={run}>
        {busy && <span className="spinner" data-testid="ve-spinner" aria-hidden />}
        {busy ? "Evaluating…" : "Evaluate"}
      </button>
    </>
  );

  return (
    <Card title="Recall and latency" actions={actions} testId="ve-card">
      <ErrorBox error={error} testId="ve-error" />
      {ev ? (
        <EvaluationView ev={ev} current={indexLabel(c.index)} />
      ) : (
        <Empty>Not evaluated yet — “Evaluate” measures recall@k against exact search on sampled rows.</Empty>
      )}
    </Card>
  );
}
