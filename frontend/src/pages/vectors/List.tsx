// Vector collections list: size, index, memory and last measured recall of each, plus "New collection".
import { useState } from "react";
import { Link } from "../../router";
import { Card, Empty, ErrorBox, fmtBytes, fmtDate, Loading, PageHeader, useLoad } from "../../ui";
import { indexLabel, listCollections, type Collection } from "./api";
import { CreateCollectionForm } from "./CreateForm";

export function RebuildingBadge({ on }: { on: boolean }) {
  if (!on) return null;
  return (
    <span className="badge badge-running" data-testid="rebuilding-badge">
      rebuilding <span className="spinner spinner-xs" aria-hidden />
    </span>
  );
}

export function recallText(c: Collection): string {
  const ev = c.last_evaluation;
  return ev ? ev.recall_at_k.toFixed(3) : "—";
}

function CollectionRow({ c }: { c: Collection }) {
  const ev = c.last_evaluation;
  return (
    <tr data-testid={`vc-row-${c.name}`}>
      <td>
        <Link to={`/vectors/${c.name}`} testId={`vc-link-${c.name}`} className="strong">
          {c.name}
        </Link>
        {c.fields.length > 0 && (
          <div className="muted small">{c.fields.map((f) => `${f.name}:${f.type}`).join(" · ")}</div>
        )}
      </td>
      <td className="num" data-testid="vc-cell-dim">{c.dim}</td>
      <td>
        <span className="tag">{c.metric}</span>
      </td>
      <td className="mono" data-testid="vc-cell-index">
        {indexLabel(c.index)}
        {!c.stats.is_trained && <span className="tag tag-warn" title="Searches use an exact scan until trained">untrained</span>}
      </td>
      <td className="num" data-testid="vc-cell-count">{c.stats.count.toLocaleString()}</td>
      <td className="num" data-testid="vc-cell-memory">{fmtBytes(c.stats.memory_bytes.total ?? sumMemory(c))}</td>
      <td className="num" data-testid="vc-cell-recall" title={ev ? `recall@${ev.k} on ${ev.n_queries} queries` : "not evaluated"}>
        {ev ? (
          <>
            {recallText(c)} <span className="muted small">@{ev.k}</span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <RebuildingBadge on={c.stats.rebuilding} />
        {!c.stats.rebuilding && <span className="badge badge-ready">ready</span>}
      </td>
      <td className="muted">{fmtDate(c.created_at)}</td>
    </tr>
  );
}

export function sumMemory(c: Collection): number {
  const m = c.stats.memory_bytes;
  return (m.index ?? 0) + (m.vectors ?? 0) + (m.fields ?? 0) + (m.ids ?? 0);
}

export function Collections() {
  const [showForm, setShowForm] = useState(false);
  const list = useLoad(listCollections, [], (data) =>
    data.items.some((c) => c.stats.rebuilding) ? 1500 : null,
  );
  return (
    <>
      <PageHeader title="Vector collections" sub="Similarity search over embeddings, with filterable fields and measured recall.">
        <button className={showForm ? "btn" : "btn btn-primary"} data-testid="vc-new" onClick={() => setShowForm((v) => !v)}>
          {showForm ? "Close form" : "New collection"}
        </button>
      </PageHeader>
      {showForm && <CreateCollectionForm onCreated={list.reload} />}
      <Card title={`Collections${list.data ? ` (${list.data.total})` : ""}`}>
        <ErrorBox error={list.error} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No collections yet — create one with “New collection”.</Empty>
        ) : (
          <table className="table" data-testid="vc-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Dim</th>
                <th>Metric</th>
                <th>Index</th>
                <th className="num">Vectors</th>
                <th className="num">Memory</th>
                <th className="num">Last recall</th>
                <th>Status</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <CollectionRow key={c.id} c={c} />
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
