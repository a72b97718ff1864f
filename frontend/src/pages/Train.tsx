// Train: dataset → target → algorithm → parameter form (from the algorithm's params) → validation → submit.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import {
  ApiError,
  createRun,
  getDataset,
  listAlgorithms,
  listDatasets,
  type Algorithm,
  type AlgorithmParam,
  type RunCreate,
} from "../api";
import { hashQuery, navigate } from "../router";
import { Card, ErrorBox, errorText, Loading, PageHeader, useLoad } from "../ui";

type ParamValues = Record<string, string | boolean>;

/** Form state for one parameter starts at its default, as text (null → ""). */
function initialValues(algo: Algorithm | undefined): ParamValues {
  const out: ParamValues = {};
  for (const p of algo?.params ?? []) {
    if (p.type === "boolean" && !p.choices) out[p.name] = p.default === true;
    else out[p.name] = p.default === null || p.default === undefined ? "" : String(p.default);
  }
  return out;
}

/** Converts form text back to typed JSON values; empty nullable fields become null. */
function toParams(algo: Algorithm, values: ParamValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of algo.params) {
    const raw = values[p.name];
    if (typeof raw === "boolean") {
      out[p.name] = raw;
      continue;
    }
    if (raw === "") {
      if (p.nullable || p.default === null) out[p.name] = null;
      continue;
    }
    if (p.choices) {
      const match = p.choices.find((c) => String(c) === raw);
      out[p.name] = match === undefined ? raw : match;
    } else if (p.type === "integer" || p.type === "number") {
      out[p.name] = Number(raw);
    } else {
      out[p.name] = raw;
    }
  }
  return out;
}

/** Which form field a 422 answer is about, so the message can sit next to it. */
function errorField(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const d = err.details as { parameter?: string; column?: string; errors?: { loc: unknown[] }[] };
  if (d.parameter) return `param:${d.parameter}`;
  if (d.column) return "target";
  const loc = d.errors?.[0]?.loc;
  if (loc && loc.length) {
    const parts = loc.filter((x) => x !== "body").map(String);
    if (parts[0] === "params" && parts[1]) return `param:${parts[1]}`;
    return parts[0];
  }
  return undefined;
}

function FieldError({ field, errField, message }: { field: string; errField?: string; message?: string }) {
  if (!message || field !== errField) return null;
  return (
    <div className="field-error" data-testid={`field-error-${field.replace(":", "-")}`}>
      {message}
    </div>
  );
}

function ParamInput({ p, value, onChange }: { p: AlgorithmParam; value: string | boolean; onChange: (v: string | boolean) => void }) {
  const testId = `param-${p.name}`;
  if (p.choices) {
    return (
      <select data-testid={testId} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {(p.nullable || p.default === null) && <option value="">(none)</option>}
        {p.choices.map((c) => (
          <option key={String(c)} value={String(c)}>
            {String(c)}
          </option>
        ))}
      </select>
    );
  }
  if (p.type === "boolean") {
    return <input type="checkbox" data-testid={testId} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  }
  if (p.type === "integer" || p.type === "number") {
    return (
      <input
        type="number"
        data-testid={testId}
        value={String(value)}
        min={p.minimum ?? undefined}
        max={p.maximum ?? undefined}
        step={p.type === "integer" ? 1 : "any"}
        placeholder={p.nullable ? "none" : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return <input type="text" data-testid={testId} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
}

function rangeText(p: AlgorithmParam): string {
  if (p.minimum == null && p.maximum == null) return "";
  return `[${p.minimum ?? "−∞"}, ${p.maximum ?? "∞"}]`;
}

export function Train() {
  const datasets = useLoad(listDatasets, []);
  const algorithms = useLoad(() => listAlgorithms(), []);
  const [dataset, setDataset] = useState(() => hashQuery().get("dataset") ?? "");
  const detail = useLoad(() => (dataset ? getDataset(dataset) : Promise.resolve(undefined)), [dataset]);
  const [target, setTarget] = useState("");
  const [algorithm, setAlgorithm] = useState("");
  const [values, setValues] = useState<ParamValues>({});
  const [mode, setMode] = useState<"cv" | "holdout">("cv");
  const [cvFolds, setCvFolds] = useState("5");
  const [testSize, setTestSize] = useState("0.2");
  const [seed, setSeed] = useState("42");
  const [experiment, setExperiment] = useState("Default");
  const [runName, setRunName] = useState("");
  const [error, setError] = useState<string>();
  const [errField, setErrField] = useState<string>();
  const [busy, setBusy] = useState(false);

  const algo = algorithms.data?.items.find((a) => a.name === algorithm);
  const columns = detail.data?.latest_version?.columns ?? [];
  const needsTarget = algo ? algo.task !== "clustering" : true;
  const grouped = useMemo(() => {
    const groups = new Map<string, Algorithm[]>();
    for (const a of algorithms.data?.items ?? []) groups.set(a.task, [...(groups.get(a.task) ?? []), a]);
    return [...groups.entries()];
  }, [algorithms.data]);

  useEffect(() => setValues(initialValues(algo)), [algo]);
  useEffect(() => {
    if (!dataset && datasets.data?.items.length) setDataset(datasets.data.items[0].name);
  }, [datasets.data, dataset]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!algo) return setError("Choose an algorithm.");
    const body: RunCreate = {
      dataset,
      algorithm: algo.name,
      params: toParams(algo, values),
      seed: Number(seed),
      experiment: experiment.trim() || "Default",
      ...(needsTarget ? { target } : {}),
      ...(mode === "cv" ? { cv_folds: Number(cvFolds) } : { test_size: Number(testSize) }),
      ...(runName.trim() ? { name: runName.trim() } : {}),
    };
    setBusy(true);
    setError(undefined);
    setErrField(undefined);
    try {
      const run = await createRun(body);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(errorText(err));
      setErrField(errorField(err));
    } finally {
      setBusy(false);
    }
  };

  if (datasets.error || algorithms.error) return <ErrorBox error={datasets.error ?? algorithms.error} />;
  if (!datasets.data || !algorithms.data) return <Loading />;
  const fe = { errField, message: error };

  return (
    <>
      <PageHeader title="New training run" sub="Pick data, a target and an algorithm; Loom validates before any job starts." />
      {/* noValidate: the server's 422 messages name the field, its range and the value received. */}
      <form className="form" noValidate onSubmit={submit} data-testid="train-form">
        <Card title="1 · Data">
          <div className="row">
            <label className="field">
              <span>Dataset</span>
              <select data-testid="train-dataset" value={dataset} onChange={(e) => { setDataset(e.target.value); setTarget(""); }}>
                <option value="">— choose —</option>
                {datasets.data.items.map((d) => (
                  <option key={d.id} value={d.name}>
                    {d.name} (v{d.latest_version?.version ?? "?"}, {d.latest_version?.row_count ?? "?"} rows)
                  </option>
                ))}
              </select>
              <FieldError field="dataset" {...fe} />
            </label>
            <label className="field">
              <span>Target column {needsTarget ? "" : "(not used for clustering)"}</span>
              <select data-testid="train-target" value={target} disabled={!needsTarget} onChange={(e) => setTarget(e.target.value)}>
                <option value="">— choose —</option>
                {columns.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name} ({c.logical_type})
                  </option>
                ))}
              </select>
              <FieldError field="target" {...fe} />
            </label>
          </div>
          <ErrorBox error={detail.error} />
        </Card>
        <Card title="2 · Algorithm">
          <label className="field">
            <span>Algorithm</span>
            <select data-testid="train-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
              <option value="">— choose —</option>
              {grouped.map(([task, algos]) => (
                <optgroup key={task} label={task}>
                  {algos.map((a) => (
                    <option key={a.name} value={a.name}>
                      {a.name}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
            <FieldError field="algorithm" {...fe} />
          </label>
          {algo && <p className="muted">{algo.summary}</p>}
          {algo && algo.params.length > 0 && (
            <div className="param-grid" data-testid="param-form">
              {algo.params.map((p) => (
                <label key={p.name} className="field" title={p.description}>
                  <span>
                    {p.name} <span className="muted small">{p.type} {rangeText(p)}</span>
                  </span>
                  <ParamInput p={p} value={values[p.name] ?? ""} onChange={(v) => setValues((prev) => ({ ...prev, [p.name]: v }))} />
                  <span className="hint">{p.description}</span>
                  <FieldError field={`param:${p.name}`} {...fe} />
                </label>
              ))}
            </div>
          )}
        </Card>
        <Card title="3 · Validation">
          <div className="row">
            <label className="radio">
              <input type="radio" name="mode" data-testid="mode-cv" checked={mode === "cv"} onChange={() => setMode("cv")} /> Cross-validation
            </label>
            <label className="radio">
              <input type="radio" name="mode" data-testid="mode-holdout" checked={mode === "holdout"} onChange={() => setMode("holdout")} /> Holdout
            </label>
          </div>
          <div className="row">
            {mode === "cv" ? (
              <label className="field">
                <span>CV folds</span>
                <input type="number" min={2} max={20} step={1} data-testid="train-cv-folds" value={cvFolds} onChange={(e) => setCvFolds(e.target.value)} />
                <FieldError field="cv_folds" {...fe} />
              </label>
            ) : (
              <label className="field">
                <span>Test size</span>
                <input type="number" min={0.05} max={0.85} step="any" data-testid="train-test-size" value={testSize} onChange={(e) => setTestSize(e.target.value)} />
                <FieldError field="test_size" {...fe} />
              </label>
            )}
            <label className="field">
              <span>Seed</span>
              <input type="number" min={0} step={1} data-testid="train-seed" value={seed} onChange={(e) => setSeed(e.target.value)} />
              <FieldError field="seed" {...fe} />
            </label>
            <label className="field">
              <span>Experiment</span>
              <input data-testid="train-experiment" value={experiment} onChange={(e) => setExperiment(e.target.value)} />
            </label>
            <label className="field">
              <span>Run name (optional)</span>
              <input data-testid="train-name" value={runName} onChange={(e) => setRunName(e.target.value)} />
            </label>
          </div>
        </Card>
        <ErrorBox error={error} testId="train-error" />
        <div className="actions">
          <button className="btn btn-primary" type="submit" disabled={busy || !dataset} data-testid="train-submit">
            {busy ? "Submitting…" : "Start run"}
          </button>
        </div>
      </form>
    </>
  );
}
