// "New collection" form: schema (name, dim, metric, fields) and an index spec, or Loom's advice.
import { useState, type FormEvent } from "react";
import { Link } from "../../router";
import { Card, ErrorBox, errorText, fmtBytes } from "../../ui";
import {
  createCollection,
  FIELD_TYPES,
  indexAdvice,
  indexLabel,
  METRICS,
  type Collection,
  type CollectionCreate,
  type FieldSpec,
  type FieldType,
  type IndexAdvice,
  type Metric,
} from "./api";

type Preset = "Flat" | "HNSW32" | "IVF,Flat" | "IVF,PQ" | "custom";
const PRESETS: [Preset, string][] = [
  ["Flat", "Flat — exact scan"],
  ["HNSW32", "HNSW32 — graph, fast at high recall"],
  ["IVF,Flat", "IVF{n},Flat — inverted lists"],
  ["IVF,PQ", "IVF{n},PQ{m} — compressed"],
  ["custom", "Custom factory string…"],
];

/** The Faiss factory string the preset and its parameters stand for. */
function factoryString(preset: Preset, nlist: string, pqM: string, custom: string): string {
  switch (preset) {
    case "IVF,Flat":
      return `IVF${nlist},Flat`;
    case "IVF,PQ":
      return `IVF${nlist},PQ${pqM}`;
    case "custom":
      return custom.trim();
    default:
      return preset;
  }
}

function FieldRows({ fields, onChange }: { fields: FieldSpec[]; onChange: (f: FieldSpec[]) => void }) {
  const set = (i: number, patch: Partial<FieldSpec>) =>
    onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <div className="field-rows" data-testid="vc-fields">
      {fields.map((f, i) => (
        <div className="field-row" key={i}>
          <input
            data-testid={`vc-field-name-${i}`}
            placeholder="field name"
            value={f.name}
            onChange={(e) => set(i, { name: e.target.value })}
          />
          <select data-testid={`vc-field-type-${i}`} value={f.type} onChange={(e) => set(i, { type: e.target.value as FieldType })}>
            {FIELD_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            title="Remove field"
            data-testid={`vc-field-remove-${i}`}
            onClick={() => onChange(fields.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-sm"
        data-testid="vc-field-add"
        onClick={() => onChange([...fields, { name: "", type: "string" }])}
      >
        + Add field
      </button>
    </div>
  );
}

function AdviceBox({ advice }: { advice: IndexAdvice }) {
  return (
    <div className="alert alert-info" data-testid="vc-advice">
      <div>
        Loom suggests <strong className="mono" data-testid="vc-advice-index">{indexLabel(advice.index)}</strong>
        <span className="muted"> · index ≈ {fmtBytes(advice.estimated_index_bytes)}</span>
        {advice.nprobe != null && <span className="muted"> · start with nprobe {advice.nprobe}</span>}
        {advice.ef_search != null && <span className="muted"> · start with efSearch {advice.ef_search}</span>}
      </div>
      <div className="advice-reason" data-testid="vc-advice-reason">{advice.reason}</div>
    </div>
  );
}

export function CreateCollectionForm({ onCreated }: { onCreated: (c: Collection) => void }) {
  const [name, setName] = useState("");
  const [dim, setDim] = useState("");
  const [metric, setMetric] = useState<Metric>("l2");
  const [fields, setFields] = useState<FieldSpec[]>([]);
  const [auto, setAuto] = useState(false);
  const [preset, setPreset] = useState<Preset>("HNSW32");
  const [nlist, setNlist] = useState("256");
  const [pqM, setPqM] = useState("8");
  const [custom, setCustom] = useState("");
  const [refine, setRefine] = useState(false);
  const [rows, setRows] = useState("");
  const [budget, setBudget] = useState("");
  const [shards, setShards] = useState("1");
  const [advice, setAdvice] = useState<IndexAdvice>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Collection>();

  const askAdvice = async () => {
    setError(undefined);
    setAdvice(undefined);
    try {
      setAdvice(
        await indexAdvice({
          rows: Number(rows),
          dim: Number(dim),
          memory_budget_mb: budget.trim() ? Number(budget) : undefined,
        }),
      );
    } catch (err) {
      setError(errorText(err));
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    setBusy(true);
    const factory = factoryString(preset, nlist, pqM, custom);
    const shardCount = Math.max(1, Number(shards) || 1);
    const body: CollectionCreate & { shards?: number } = {
      name: name.trim(),
      dim: Number(dim),
      metric,
      fields: fields.map((f) => ({ name: f.name.trim(), type: f.type })),
      index: auto ? null : refine ? { factory, refine: true } : factory,
      ...(auto && rows.trim() ? { expected_rows: Number(rows) } : {}),
      ...(auto && budget.trim() ? { memory_budget_mb: Number(budget) } : {}),
      ...(shardCount > 1 ? { shards: shardCount } : {}),
    };
    try {
      const c = await createCollection(body);
      setCreated(c);
      onCreated(c);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="New collection" testId="vc-create-card">
      <form className="form" onSubmit={submit} data-testid="vc-create-form">
        <div className="row">
          <label className="field">
            <span>Name</span>
            <input required data-testid="vc-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="products" />
          </label>
          <label className="field narrow">
            <span>Dimension</span>
            <input required type="number" min={1} max={4096} data-testid="vc-dim" value={dim} onChange={(e) => setDim(e.target.value)} placeholder="384" />
          </label>
          <label className="field narrow">
            <span>Metric</span>
            <select data-testid="vc-metric" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
              {METRICS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <label className="field narrow" title="More than 1 spreads the rows over Ray actors (LOOM_RAY_ADDRESS or a local Ray)">
            <span>Shards</span>
            <input type="number" min={1} max={64} data-testid="vc-shards" value={shards} onChange={(e) => setShards(e.target.value)} />
          </label>
          <div className="field grow">
            <span>Scalar fields (filterable)</span>
            <FieldRows fields={fields} onChange={setFields} />
          </div>
        </div>

        <div className="fieldset-title">Index</div>
        <div className="row">
          <label className="radio">
            <input type="radio" name="vc-index-mode" data-testid="vc-index-manual" checked={!auto} onChange={() => setAuto(false)} />
            Choose a Faiss index
          </label>
          <label className="radio">
            <input type="radio" name="vc-index-mode" data-testid="vc-index-auto" checked={auto} onChange={() => setAuto(true)} />
            Let Loom choose
          </label>
        </div>
        {!auto ? (
          <div className="row">
            <label className="field">
              <span>Index</span>
              <select data-testid="vc-index-preset" value={preset} onChange={(e) => setPreset(e.target.value as Preset)}>
                {PRESETS.map(([p, label]) => (
                  <option key={p} value={p}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            {(preset === "IVF,Flat" || preset === "IVF,PQ") && (
              <label className="field narrow">
                <span>Cells (n)</span>
                <input type="number" min={1} data-testid="vc-index-nlist" value={nlist} onChange={(e) => setNlist(e.target.value)} />
              </label>
            )}
            {preset === "IVF,PQ" && (
              <label className="field narrow">
                <span>PQ bytes (m)</span>
                <input type="number" min={1} data-testid="vc-index-pqm" value={pqM} onChange={(e) => setPqM(e.target.value)} />
              </label>
            )}
            {preset === "custom" && (
              <label className="field grow">
                <span>Faiss factory string</span>
                <input data-testid="vc-index-custom" value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="PCA32,IVF128,SQ8" />
              </label>
            )}
            <label className="check field-check">
              <input type="checkbox" data-testid="vc-index-refine" checked={refine} onChange={(e) => setRefine(e.target.checked)} />
              Exact re-rank (refine)
            </label>
            <div className="field">
              <span>Factory</span>
              <code className="factory-preview" data-testid="vc-index-factory">
                {factoryString(preset, nlist, pqM, custom) || "—"}
              </code>
            </div>
          </div>
        ) : (
          <div className="row">
            <label className="field">
              <span>Expected rows</span>
              <input type="number" min={1} data-testid="vc-expected-rows" value={rows} onChange={(e) => setRows(e.target.value)} placeholder="1000000" />
            </label>
            <label className="field">
              <span>Memory budget (MB, optional)</span>
              <input type="number" min={1} data-testid="vc-memory-budget" value={budget} onChange={(e) => setBudget(e.target.value)} placeholder="no limit" />
            </label>
            <div className="field auto">
              <span>&nbsp;</span>
              <button type="button" className="btn" data-testid="vc-get-advice" disabled={!rows || !dim} onClick={askAdvice}>
                Get advice
              </button>
            </div>
          </div>
        )}
        {auto && advice && <AdviceBox advice={advice} />}
        <div className="row">
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid="vc-create-submit">
            {busy ? "Creating…" : "Create collection"}
          </button>
        </div>
        <ErrorBox error={error} testId="vc-create-error" />
        {created && (
          <div className="alert alert-ok" data-testid="vc-created">
            Created <Link to={`/vectors/${created.name}`}>{created.name}</Link> with index{" "}
            <span className="mono">{indexLabel(created.index)}</span>
            {created.advice && <div className="muted small">{created.advice.reason}</div>}
          </div>
        )}
      </form>
    </Card>
  );
}
