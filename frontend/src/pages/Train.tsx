// Train: dataset → target → algorithm → parameter form (from the algorithm's params) → evaluation & options → submit.
// Pieces live in ./train/: the parameter form, the options section and the options mapping.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { createRun, getDataset, listAlgorithms, listDatasets, type Algorithm, type DatasetColumn, type RunCreate } from "../api";
import { hashQuery, navigate } from "../router";
import { Card, ErrorBox, errorText, Loading, PageHeader, useLoad } from "../ui";
import { OptionsSection, type ValidationState } from "./train/OptionsSection";
import { EMPTY_OPTIONS, TEXT_TASKS, toOptions, type OptionsState } from "./train/options";
import { errorField, FieldError, initialValues, ParamInput, rangeText, toParams, type ParamValues } from "./train/params";

type Fe = { errField?: string; message?: string };

function targetLabel(algo: Algorithm | undefined, needsTarget: boolean): string {
  if (algo?.task === "sequence_labeling") return "Tags column (space-separated)";
  if (algo?.task === "embedding") return "Label column (optional: scores the vectors by kNN accuracy)";
  if (algo?.reads_text) return "Label column";
  return `Target column${needsTarget ? "" : ` (not used for ${algo?.task.replace(/_/g, " ")})`}`;
}

function ColumnSelect(props: { testId: string; label: string; value: string; columns: DatasetColumn[]; disabled?: boolean; field: string; fe: Fe; onChange: (v: string) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select data-testid={props.testId} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">— choose —</option>
        {props.columns.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name} ({c.logical_type})
          </option>
        ))}
      </select>
      <FieldError field={props.field} {...props.fe} />
    </label>
  );
}

function AlgorithmCard({ algorithms, algo, algorithm, setAlgorithm, values, setValues, fe }: {
  algorithms: Algorithm[];
  algo: Algorithm | undefined;
  algorithm: string;
  setAlgorithm: (v: string) => void;
  values: ParamValues;
  setValues: (f: (prev: ParamValues) => ParamValues) => void;
  fe: Fe;
}) {
  const grouped = useMemo(() => {
    const groups = new Map<string, Algorithm[]>();
    for (const a of algorithms) groups.set(a.task, [...(groups.get(a.task) ?? []), a]);
    return [...groups.entries()];
  }, [algorithms]);
  return (
    <Card title="2 · Algorithm">
      <label className="field">
        <span>Algorithm</span>
        <select data-testid="train-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          <option value="">— choose —</option>
          {grouped.map(([task, algos]) => (
            <optgroup key={task} label={task.replace(/_/g, " ")}>
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
  );
}

export function Train() {
  const datasets = useLoad(listDatasets, []);
  const algorithms = useLoad(() => listAlgorithms(), []);
  const [dataset, setDataset] = useState(() => hashQuery().get("dataset") ?? "");
  const detail = useLoad(() => (dataset ? getDataset(dataset) : Promise.resolve(undefined)), [dataset]);
  const [target, setTarget] = useState("");
  const [textColumn, setTextColumn] = useState("");
  const [algorithm, setAlgorithm] = useState("");
  const [values, setValues] = useState<ParamValues>({});
  const [v, setVState] = useState<ValidationState>({ mode: "cv", cvFolds: "5", testSize: "0.2", seed: "42", experiment: "Default", runName: "" });
  const [o, setOState] = useState<OptionsState>(EMPTY_OPTIONS);
  const [error, setError] = useState<string>();
  const [errField, setErrField] = useState<string>();
  const [busy, setBusy] = useState(false);

  const algo = algorithms.data?.items.find((a) => a.name === algorithm);
  const columns = detail.data?.latest_version?.columns ?? [];
  const stringColumns = columns.filter((c) => c.logical_type === "string");
  const text = algo ? TEXT_TASKS.has(algo.task) || Boolean(algo.reads_text) : false;
  // Embeddings are unsupervised; a label column only scores them (kNN accuracy).
  const optionalTarget = algo?.task === "embedding";
  const needsTarget = algo ? algo.task !== "clustering" && algo.task !== "topic_modeling" : true;
  const targetColumns = algo?.task === "sequence_labeling" ? stringColumns : columns;
  // An image-folder import keeps a `path` column beside the pixels; the server trains the CNN on the
  // pixel_* columns when no features are named (Algorithm.default_features), so this only labels it.
  const pixelColumns = algo?.name === "cnn_classifier" ? columns.filter((c) => /^pixel_\d+$/.test(c.name)).map((c) => c.name) : [];

  useEffect(() => setValues(initialValues(algo)), [algo]);
  useEffect(() => {
    if (!dataset && datasets.data?.items.length) setDataset(datasets.data.items[0].name);
  }, [datasets.data, dataset]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!algo) return setError("Choose an algorithm.");
    let options;
    try {
      options = toOptions(o, algo, !text);
    } catch (err) {
      setErrField("options:validation_curve");
      return setError(errorText(err));
    }
    const body: RunCreate = {
      dataset,
      algorithm: algo.name,
      params: toParams(algo, values),
      seed: Number(v.seed),
      experiment: v.experiment.trim() || "Default",
      ...(needsTarget && (target || !optionalTarget) ? { target } : {}),
      ...(text && textColumn ? { features: [textColumn] } : {}),
      ...(v.mode === "cv" ? { cv_folds: Number(v.cvFolds) } : { test_size: Number(v.testSize) }),
      ...(v.runName.trim() ? { name: v.runName.trim() } : {}),
      ...(options ? { options } : {}),
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
  const fe: Fe = { errField, message: error };
  const textLabel = algo?.task === "sequence_labeling" ? "Tokens column (space-separated)" : "Text column";

  return (
    <>
      <PageHeader title="New training run" sub="Pick data, a target and an algorithm; Loom validates before any job starts." />
      {/* noValidate: the server's 422 messages name the field, its range and the value received. */}
      <form className="form" noValidate onSubmit={submit} data-testid="train-form">
        <Card title="1 · Data">
          <div className="row">
            <label className="field">
              <span>Dataset</span>
              <select data-testid="train-dataset" value={dataset} onChange={(e) => { setDataset(e.target.value); setTarget(""); setTextColumn(""); setOState(EMPTY_OPTIONS); }}>
                <option value="">— choose —</option>
                {datasets.data.items.map((d) => (
                  <option key={d.id} value={d.name}>
                    {d.name} (v{d.latest_version?.version ?? "?"}, {d.latest_version?.row_count ?? "?"} rows)
                  </option>
                ))}
              </select>
              <FieldError field="dataset" {...fe} />
            </label>
            {text && <ColumnSelect testId="train-text-column" label={textLabel} value={textColumn} columns={stringColumns} field="features" fe={fe} onChange={setTextColumn} />}
            {(needsTarget || !text) && (
              <ColumnSelect
                testId="train-target"
                label={targetLabel(algo, needsTarget)}
                value={target}
                columns={targetColumns}
                disabled={!needsTarget}
                field="target"
                fe={fe}
                onChange={setTarget}
              />
            )}
          </div>
          {pixelColumns.length > 0 && (
            <p className="muted small" data-testid="train-pixel-features">
              Features: the {pixelColumns.length} pixel_* columns (other columns, such as an image's path, are left out).
            </p>
          )}
          <ErrorBox error={detail.error} />
        </Card>
        <AlgorithmCard algorithms={algorithms.data.items} algo={algo} algorithm={algorithm} setAlgorithm={setAlgorithm} values={values} setValues={setValues} fe={fe} />
        <OptionsSection
          v={v}
          setV={(patch) => setVState((prev) => ({ ...prev, ...patch }))}
          o={o}
          setO={(patch) => setOState((prev) => ({ ...prev, ...patch }))}
          algo={algo}
          columns={columns}
          target={target}
          tabular={!text}
          fe={fe}
        />
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
