// Collection detail: stats and memory breakdown, recall/latency, rebuild, search, fill from a dataset.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, navigate } from "../../router";
import { Card, ErrorBox, errorText, fmtBytes, fmtDate, Loading, PageHeader, useLoad } from "../../ui";
import { dropCollection, getCollection, indexLabel, rebuildCollection, type Collection } from "./api";
import { EvaluationCard } from "./Evaluation";
import { FillDialog } from "./FillDialog";
import { RebuildingBadge, sumMemory } from "./List";
import { SearchCard } from "./Search";

const MEMORY_PARTS: [string, string][] = [
  ["index", "Index"],
  ["vectors", "Raw vectors"],
  ["fields", "Fields"],
  ["ids", "Id map"],
];

function Stat({ label, value, testId, sub }: { label: string; value: ReactNode; testId: string; sub?: ReactNode }) {
  return (
    <div className="stat card">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      {sub && <div className="stat-sub muted small">{sub}</div>}
    </div>
  );
}

function StatCards({ c }: { c: Collection }) {
  const s = c.stats;
  const total = s.memory_bytes.total ?? sumMemory(c);
  return (
    <div className="stat-grid" data-testid="vd-stats">
      <Stat label="Vectors" value={s.count.toLocaleString()} testId="vd-count" sub={`dim ${c.dim} · ${c.metric}`} />
      <Stat label="Index" value={<span className="mono">{indexLabel(c.index)}</span>} testId="vd-index" sub={s.rebuilding ? "rebuilding…" : s.is_trained ? "trained" : "untrained: exact scan"} />
      <Stat label="Memory" value={fmtBytes(total)} testId="vd-memory" sub={s.count ? `${fmtBytes(Math.round(total / s.count))} a vector` : undefined} />
      <Stat label="Tombstones" value={s.tombstones.toLocaleString()} testId="vd-tombstones" sub={s.tombstones ? "compacted by a rebuild" : "none"} />
      <Stat label="WAL" value={fmtBytes(s.wal_bytes)} testId="vd-wal" sub="since last snapshot" />
      <Stat label="Trained" value={s.is_trained ? "yes" : "no"} testId="vd-trained" sub={s.is_trained ? "index serves searches" : "rebuild to train"} />
    </div>
  );
}

function MemoryBars({ c }: { c: Collection }) {
  const m = c.stats.memory_bytes;
  const total = m.total ?? sumMemory(c);
  const max = Math.max(1, ...MEMORY_PARTS.map(([key]) => m[key] ?? 0));
  return (
    <div className="bars memory-bars" data-testid="vd-memory-bars">
      {MEMORY_PARTS.map(([key, label]) => {
        const v = m[key] ?? 0;
        return (
          <div className="bar-row" key={key} data-testid={`vd-mem-${key}`}>
            <span className="bar-name">{label}</span>
            <span className="bar-track">
              <span className={`bar-fill mem-${key}`} style={{ width: `${(v / max) * 100}%` }} />
            </span>
            <span className="bar-value">
              {fmtBytes(v)} <span className="bar-pct">{total ? `${Math.round((v / total) * 100)}%` : ""}</span>
            </span>
          </div>
        );
      })}
    </div>
  );
}

function RebuildForm({ c, onStarted }: { c: Collection; onStarted: () => void }) {
  const [index, setIndex] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await rebuildCollection(c.name, index.trim() || undefined);
      onStarted();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} data-testid="vd-rebuild-form">
      <div className="row">
        <label className="field grow">
          <span>New index (empty: rebuild the current one, compacting tombstones and training)</span>
          <input className="mono" data-testid="vd-rebuild-index" value={index} onChange={(e) => setIndex(e.target.value)} placeholder={c.index.factory} />
        </label>
        <div className="field auto">
          <span>&nbsp;</span>
          <button className="btn" type="submit" disabled={busy || c.stats.rebuilding} data-testid="vd-rebuild">
            {c.stats.rebuilding ? "Rebuilding…" : "Rebuild"}
          </button>
        </div>
      </div>
      {error && <div className="field-error" data-testid="vd-rebuild-error">{error}</div>}
      <div className="hint wide">Searches keep answering from the old index while the new one builds.</div>
    </form>
  );
}

function Schema({ c }: { c: Collection }) {
  return (
    <table className="table compact" data-testid="vd-schema">
      <tbody>
        <tr>
          <th>Dimension</th>
          <td className="mono">{c.dim}</td>
        </tr>
        <tr>
          <th>Metric</th>
          <td>
            <span className="tag">{c.metric}</span>
            <span className="muted small">{c.metric === "l2" ? "squared L2, lower is closer" : "similarity, higher is closer"}</span>
          </td>
        </tr>
        <tr>
          <th>Fields</th>
          <td>
            {c.fields.length
              ? c.fields.map((f) => (
                  <span key={f.name} className="tag mono">
                    {f.name}: {f.type}
                  </span>
                ))
              : <span className="muted">none</span>}
          </td>
        </tr>
        <tr>
          <th>Created</th>
          <td>{fmtDate(c.created_at)}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function CollectionDetail({ name }: { name: string }) {
  // A rebuild flips stats.rebuilding on the server; keep polling a few seconds after starting one
  // so the page sees that flip even if the first reload raced it.
  const [watchUntil, setWatchUntil] = useState(0);
  const [filling, setFilling] = useState(false);
  const [dropError, setDropError] = useState<string>();
  const col = useLoad(
    () => getCollection(name),
    [name],
    (c) => (c.stats.rebuilding || Date.now() < watchUntil ? 1000 : null),
  );
  if (col.error && !col.data) return <ErrorBox error={col.error} />;
  if (!col.data) return <Loading what="collection" />;
  const c = col.data;

  const drop = async () => {
    if (!window.confirm(`Delete collection “${c.name}” and its ${c.stats.count} vectors?`)) return;
    try {
      await dropCollection(c.name);
      navigate("/vectors");
    } catch (err) {
      setDropError(errorText(err));
    }
  };

  return (
    <>
      <PageHeader
        title={
          <>
            <span data-testid="vd-name">{c.name}</span> <RebuildingBadge on={c.stats.rebuilding} />
          </>
        }
        sub={
          <>
            <Link to="/vectors">Vector collections</Link> · <span className="mono">{c.id}</span>
          </>
        }
      >
        <button className="btn" data-testid="vd-fill" onClick={() => setFilling(true)}>
          Fill from dataset
        </button>
        <button className="btn btn-danger" data-testid="vd-drop" onClick={drop}>
          Delete
        </button>
      </PageHeader>
      <ErrorBox error={dropError} />
      <StatCards c={c} />
      <div className="grid-2">
        <Card title="Memory" testId="vd-memory-card">
          <MemoryBars c={c} />
        </Card>
        <Card title="Schema">
          <Schema c={c} />
        </Card>
      </div>
      <EvaluationCard c={c} onDone={col.reload} />
      <SearchCard key={c.id} c={c} />
      <Card title="Rebuild" testId="vd-rebuild-card">
        <RebuildForm
          c={c}
          onStarted={() => {
            setWatchUntil(Date.now() + 4000);
            col.reload();
          }}
        />
      </Card>
      {filling && (
        <FillDialog
          c={c}
          onClose={() => {
            setFilling(false);
            col.reload();
          }}
        />
      )}
    </>
  );
}
