// "Fill from dataset" dialog: map a dataset's columns to ids, vectors (or a text column and an embedding model) and fields, then start a vectors.fill job.
import { useEffect, useState, type FormEvent } from "react";
import { getDataset, listDatasets, listModels, type DatasetColumn } from "../../api";
import { ErrorBox, errorText, JobStatus, Loading, useJob, useLoad } from "../../ui";
import { fillCollection, type Collection, type FillRequest } from "./api";

const NUMERIC = /int|float|double|decimal|numeric|number/i;

type VectorSource = "single" | "multi" | "text";
/** A fill from text: the server embeds `text_column` with a registered embedding model. */
type TextFill = { text_column: string; model: string; model_version?: number };

/** Registered models whose versions are embedding models (what a fill from text accepts). */
function EmbeddingModelPick({ model, version, onChange }: {
  model: string;
  version: string;
  onChange: (model: string, version: string) => void;
}) {
  const models = useLoad(listModels, []);
  const embedding = (models.data?.items ?? []).filter((m) => m.versions.some((v) => v.task === "embedding"));
  const versions = embedding.find((m) => m.name === model)?.versions.filter((v) => v.task === "embedding") ?? [];
  if (models.error) return <ErrorBox error={models.error} />;
  return (
    <div className="row">
      <label className="field">
        <span>Embedding model</span>
        <select required data-testid="vf-model" value={model} onChange={(e) => onChange(e.target.value, "")}>
          <option value="">{embedding.length ? "choose…" : "no embedding models registered"}</option>
          {embedding.map((m) => (
            <option key={m.id} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Version</span>
        <select data-testid="vf-model-version" value={version} onChange={(e) => onChange(model, e.target.value)}>
          <option value="">latest</option>
          {versions.map((v) => (
            <option key={v.version} value={String(v.version)}>
              v{v.version} · {v.algorithm}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function ColumnChecks({ columns, chosen, onChange, testPrefix }: {
  columns: DatasetColumn[];
  chosen: string[];
  onChange: (names: string[]) => void;
  testPrefix: string;
}) {
  const flip = (name: string) => onChange(chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name]);
  return (
    <div className="column-checks">
      {columns.map((col) => (
        <label key={col.name} className="check">
          <input type="checkbox" data-testid={`${testPrefix}-${col.name}`} checked={chosen.includes(col.name)} onChange={() => flip(col.name)} />
          <span className="mono">{col.name}</span> <span className="muted small">{col.logical_type}</span>
        </label>
      ))}
    </div>
  );
}

function ColumnSelect({ label, testId, columns, value, onChange }: {
  label: string;
  testId: string;
  columns: DatasetColumn[];
  value: string;
  onChange: (name: string) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select required data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">choose…</option>
        {columns.map((col) => (
          <option key={col.name} value={col.name}>
            {col.name} ({col.logical_type})
          </option>
        ))}
      </select>
    </label>
  );
}

function FillForm({ c, dataset, onStarted }: { c: Collection; dataset: string; onStarted: (jobId: string) => void }) {
  const ds = useLoad(() => getDataset(dataset), [dataset]);
  const [idColumn, setIdColumn] = useState("");
  const [source, setSource] = useState<VectorSource>("single");
  const multi = source === "multi";
  const [textColumn, setTextColumn] = useState("");
  const [model, setModel] = useState("");
  const [modelVersion, setModelVersion] = useState("");
  const [vectorColumn, setVectorColumn] = useState("");
  const [vectorColumns, setVectorColumns] = useState<string[]>([]);
  const [fieldColumns, setFieldColumns] = useState<string[]>([]);
  const [mode, setMode] = useState<"upsert" | "insert">("upsert");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const loadedColumns = ds.data?.latest_version?.columns;
  useEffect(() => {
    // Dataset columns named like the collection's fields are what a user maps in nearly every case.
    if (!loadedColumns) return;
    setFieldColumns(loadedColumns.filter((col) => c.fields.some((f) => f.name === col.name)).map((col) => col.name));
    const id = loadedColumns.find((col) => /^(id|.*_id)$/i.test(col.name));
    if (id) setIdColumn(id.name);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadedColumns]);
  if (ds.error) return <ErrorBox error={ds.error} />;
  if (!ds.data) return <Loading what="columns" />;
  const version = ds.data.latest_version;
  const columns = version?.columns ?? [];
  const matching = columns.filter((col) => c.fields.some((f) => f.name === col.name));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const text: TextFill = {
      text_column: textColumn,
      model,
      ...(modelVersion ? { model_version: Number(modelVersion) } : {}),
    };
    const vectors = source === "text" ? text : multi ? { vector_columns: vectorColumns } : { vector_column: vectorColumn };
    const body: FillRequest & Partial<TextFill> = {
      dataset,
      ...(version ? { dataset_version: version.version } : {}),
      id_column: idColumn,
      ...vectors,
      field_columns: fieldColumns,
      mode,
    };
    try {
      onStarted((await fillCollection(c.name, body)).id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} data-testid="vf-form">
      <div className="muted small">
        {version ? `v${version.version} · ${version.row_count.toLocaleString()} rows · ${columns.length} columns` : "No version yet."}
      </div>
      <div className="row">
        <label className="field">
          <span>Id column (integers)</span>
          <select required data-testid="vf-id-column" value={idColumn} onChange={(e) => setIdColumn(e.target.value)}>
            <option value="">choose…</option>
            {columns.map((col) => (
              <option key={col.name} value={col.name}>
                {col.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Mode</span>
          <select data-testid="vf-mode" value={mode} onChange={(e) => setMode(e.target.value as "upsert" | "insert")}>
            <option value="upsert">upsert (replace existing ids)</option>
            <option value="insert">insert (fail on existing ids)</option>
          </select>
        </label>
      </div>
      <div className="row">
        <label className="radio">
          <input type="radio" name="vf-vec" data-testid="vf-vector-single" checked={source === "single"} onChange={() => setSource("single")} />
          One list-of-float column
        </label>
        <label className="radio">
          <input type="radio" name="vf-vec" data-testid="vf-vector-multi" checked={multi} onChange={() => setSource("multi")} />
          Numeric columns forming the vector ({c.dim} needed)
        </label>
        <label className="radio">
          <input type="radio" name="vf-vec" data-testid="vf-vector-text" checked={source === "text"} onChange={() => setSource("text")} />
          A text column, embedded by a model ({c.dim} dimensions needed)
        </label>
      </div>
      {source === "text" ? (
        <>
          <ColumnSelect label="Text column" testId="vf-text-column" columns={columns} value={textColumn} onChange={setTextColumn} />
          <EmbeddingModelPick model={model} version={modelVersion} onChange={(m, v) => { setModel(m); setModelVersion(v); }} />
          <div className="muted small">
            The model's dimension must equal the collection's; afterwards the search box accepts text.
          </div>
        </>
      ) : multi ? (
        <>
          <div className="muted small">
            {vectorColumns.length} of {c.dim} chosen{" "}
            <button type="button" className="linklike" data-testid="vf-all-numeric" onClick={() => setVectorColumns(columns.filter((col) => NUMERIC.test(col.logical_type) && col.name !== idColumn).map((col) => col.name))}>
              select all numeric
            </button>
          </div>
          <ColumnChecks columns={columns} chosen={vectorColumns} onChange={setVectorColumns} testPrefix="vf-vec-col" />
        </>
      ) : (
        <ColumnSelect label="Vector column" testId="vf-vector-column" columns={columns} value={vectorColumn} onChange={setVectorColumn} />
      )}
      <div className="field">
        <span>
          Field columns {matching.length > 0 && <span className="muted small">(the collection's fields: {c.fields.map((f) => f.name).join(", ")})</span>}
        </span>
        <ColumnChecks columns={columns} chosen={fieldColumns} onChange={setFieldColumns} testPrefix="vf-field-col" />
      </div>
      <ErrorBox error={error} testId="vf-error" />
      <div className="row">
        <button className="btn btn-primary" type="submit" disabled={busy || !idColumn} data-testid="vf-submit">
          {busy ? "Starting…" : "Start fill job"}
        </button>
      </div>
    </form>
  );
}

export function FillDialog({ c, onClose }: { c: Collection; onClose: () => void }) {
  const datasets = useLoad(listDatasets, []);
  const [dataset, setDataset] = useState("");
  const [jobId, setJobId] = useState<string>();
  const job = useJob(jobId);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal" role="dialog" aria-label="Fill from dataset" data-testid="vf-dialog" onClick={(e) => e.stopPropagation()}>
        <div className="modal-header">
          <h2>Fill “{c.name}” from a dataset</h2>
          <button className="btn btn-ghost btn-sm" data-testid="vf-close" onClick={onClose}>
            ✕
          </button>
        </div>
        <div className="modal-body">
          <ErrorBox error={datasets.error} />
          <label className="field">
            <span>Dataset</span>
            <select data-testid="vf-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} disabled={!!jobId}>
              <option value="">choose…</option>
              {datasets.data?.items.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          {dataset && !jobId && <FillForm key={dataset} c={c} dataset={dataset} onStarted={setJobId} />}
          {job && (
            <div className="fill-job">
              <JobStatus job={job} testId="vf-job" />
              {job.state === "succeeded" && (
                <div className="muted small" data-testid="vf-job-result">
                  {job.result ? JSON.stringify(job.result) : "Done."}
                </div>
              )}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
