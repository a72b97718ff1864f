// Datasets: list, import (server-side path or browser upload) and the dataset detail page.
import { useEffect, useState, type FormEvent } from "react";
import {
  getDataset,
  importDataset,
  listDatasets,
  listDatasetVersions,
  previewDataset,
  uploadDataset,
  type DatasetColumn,
  type Job,
} from "../api";
import { Link } from "../router";
import {
  Card,
  Empty,
  ErrorBox,
  errorText,
  fmtBytes,
  fmtDate,
  fmtValue,
  JobStatus,
  KeyValues,
  Loading,
  PageHeader,
  useJob,
  useLoad,
} from "../ui";

type Mode = "path" | "upload" | "images";

function ImportForm({ onDone }: { onDone: () => void }) {
  const [mode, setMode] = useState<Mode>("path");
  const [name, setName] = useState("");
  const [path, setPath] = useState("");
  const [format, setFormat] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [size, setSize] = useState("");
  const [colour, setColour] = useState<"L" | "RGB">("L");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string>();
  const job = useJob(jobId);

  useEffect(() => {
    if (job?.state === "succeeded") onDone();
  }, [job?.state, onDone]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setJobId(undefined);
    setBusy(true);
    try {
      let started: Job;
      if (mode === "path") {
        const fmt = format as "csv" | "parquet" | "jsonl" | "";
        started = await importDataset({
          name: name.trim(),
          source: { kind: "file", path: path.trim(), ...(fmt ? { format: fmt } : {}) },
        });
      } else if (mode === "images") {
        // image_folder source: <path>/<label>/<image> → pixel columns + label + path.
        started = await importDataset({
          name: name.trim(),
          source: { kind: "image_folder", path: path.trim(), mode: colour, ...(size.trim() ? { size: size.trim() } : {}) },
        });
      } else {
        if (!file) throw new Error("Choose a file to upload.");
        started = await uploadDataset(name.trim(), file);
      }
      setJobId(started.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const result = job?.result as { dataset_id?: string; version?: number } | null | undefined;
  return (
    <Card title="Import a dataset" testId="import-card">
      <form className="form" onSubmit={submit} data-testid="import-form">
        <div className="tabs">
          <button type="button" className={mode === "path" ? "tab active" : "tab"} data-testid="import-mode-path" onClick={() => setMode("path")}>
            Server path
          </button>
          <button type="button" className={mode === "upload" ? "tab active" : "tab"} data-testid="import-mode-upload" onClick={() => setMode("upload")}>
            Upload file
          </button>
          <button type="button" className={mode === "images" ? "tab active" : "tab"} data-testid="import-mode-images" onClick={() => setMode("images")}>
            Image folder
          </button>
        </div>
        <div className="row">
          <label className="field">
            <span>Name</span>
            <input required data-testid="import-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="iris" />
          </label>
          {mode === "path" ? (
            <>
              <label className="field grow">
                <span>Path (absolute, or relative to the first data root)</span>
                <input required data-testid="import-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/iris.csv" />
              </label>
              <label className="field">
                <span>Format</span>
                <select data-testid="import-format" value={format} onChange={(e) => setFormat(e.target.value)}>
                  <option value="">auto</option>
                  <option value="csv">csv</option>
                  <option value="parquet">parquet</option>
                  <option value="jsonl">jsonl</option>
                </select>
              </label>
            </>
          ) : mode === "images" ? (
            <>
              <label className="field grow">
                <span>Folder holding label/image files (inside the data roots)</span>
                <input required data-testid="import-images-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/fashion/train" />
              </label>
              <label className="field">
                <span>Size (HxW)</span>
                <input data-testid="import-images-size" value={size} onChange={(e) => setSize(e.target.value)} placeholder="first image's" />
              </label>
              <label className="field">
                <span>Colour</span>
                <select data-testid="import-images-mode" value={colour} onChange={(e) => setColour(e.target.value as "L" | "RGB")}>
                  <option value="L">grey (L)</option>
                  <option value="RGB">RGB</option>
                </select>
              </label>
            </>
          ) : (
            <label className="field grow">
              <span>File (csv, parquet, jsonl)</span>
              <input type="file" data-testid="import-file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </label>
          )}
          <div className="field">
            <span>&nbsp;</span>
            <button className="btn btn-primary" type="submit" disabled={busy} data-testid="import-submit">
              {busy ? "Starting…" : "Import"}
            </button>
          </div>
        </div>
        <ErrorBox error={error} testId="import-error" />
        <JobStatus job={job} testId="import-job" />
        {job?.state === "succeeded" && result?.dataset_id && (
          <div className="muted">
            Imported version {result.version} —{" "}
            <Link to={`/datasets/${result.dataset_id}`} testId="import-open-dataset">
              open dataset
            </Link>
          </div>
        )}
      </form>
    </Card>
  );
}

export function Datasets() {
  const list = useLoad(listDatasets, []);
  return (
    <>
      <PageHeader title="Datasets" sub="Versioned, profiled tables that runs train on." />
      <ImportForm onDone={list.reload} />
      <Card title={`All datasets${list.data ? ` (${list.data.total})` : ""}`}>
        <ErrorBox error={list.error} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No datasets yet — import one above.</Empty>
        ) : (
          <table className="table" data-testid="datasets-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Latest version</th>
                <th className="num">Rows</th>
                <th className="num">Columns</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.id} data-testid={`dataset-row-${d.name}`}>
                  <td>
                    <Link to={`/datasets/${d.name}`} testId={`dataset-link-${d.name}`}>
                      {d.name}
                    </Link>
                  </td>
                  <td>{d.latest_version ? `v${d.latest_version.version}` : "—"}</td>
                  <td className="num">{d.latest_version?.row_count ?? "—"}</td>
                  <td className="num">{d.latest_version?.columns.length ?? "—"}</td>
                  <td>{fmtDate(d.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function SchemaTable({ columns }: { columns: DatasetColumn[] }) {
  return (
    <table className="table compact" data-testid="schema-table">
      <thead>
        <tr>
          <th>Column</th>
          <th>Logical type</th>
          <th>Physical type</th>
          <th className="num">Nulls</th>
          <th className="num">Min</th>
          <th className="num">Max</th>
          <th className="num">Mean</th>
          <th className="num">Distinct</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c.name} data-testid={`schema-row-${c.name}`}>
            <td className="mono" data-testid="schema-column-name">{c.name}</td>
            <td>
              <span className="tag">{c.logical_type}</span>
            </td>
            <td className="muted mono">{c.physical_type}</td>
            <td className="num">{c.null_count}</td>
            <td className="num">{fmtValue(c.stats?.min)}</td>
            <td className="num">{fmtValue(c.stats?.max)}</td>
            <td className="num">{fmtValue(c.stats?.mean)}</td>
            <td className="num">{fmtValue(c.stats?.distinct_count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PreviewTable({ dataset, version }: { dataset: string; version: number | undefined }) {
  const preview = useLoad(() => previewDataset(dataset, version), [dataset, version]);
  if (preview.error) return <ErrorBox error={preview.error} />;
  if (!preview.data) return <Loading what="preview" />;
  const { columns, rows } = preview.data;
  return (
    <div className="scroll-x">
      <table className="table compact" data-testid="preview-table">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} className="mono">
                  {fmtValue(row[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DatasetDetail({ id }: { id: string }) {
  const ds = useLoad(() => getDataset(id), [id]);
  const versions = useLoad(() => listDatasetVersions(id), [id]);
  const [selected, setSelected] = useState<number>();
  if (ds.error) return <ErrorBox error={ds.error} />;
  if (!ds.data) return <Loading what="dataset" />;
  const d = ds.data;
  const all = versions.data?.items ?? (d.latest_version ? [d.latest_version] : []);
  const current = all.find((v) => v.version === selected) ?? d.latest_version ?? undefined;

  return (
    <>
      <PageHeader title={d.name} sub={d.description || <span className="mono">{d.id}</span>}>
        <Link to={`/train?dataset=${encodeURIComponent(d.name)}`} className="btn btn-primary" testId="train-on-dataset">
          Train on this dataset
        </Link>
      </PageHeader>
      <div className="grid-2">
        <Card title="Summary">
          <KeyValues
            rows={[
              ["Version", <span data-testid="dataset-version">{current ? `v${current.version}` : "—"}</span>],
              ["Rows", <span data-testid="dataset-rows">{current?.row_count ?? "—"}</span>],
              ["Columns", <span data-testid="dataset-columns">{current?.columns.length ?? "—"}</span>],
              ["Size", fmtBytes(current?.size_bytes)],
              ["Content hash", <span className="mono small">{current?.content_hash.slice(0, 16) ?? "—"}</span>],
              ["Updated", fmtDate(d.updated_at)],
            ]}
          />
        </Card>
        <Card title="Versions">
          <ErrorBox error={versions.error} />
          <table className="table compact" data-testid="versions-table">
            <thead>
              <tr>
                <th>Version</th>
                <th className="num">Rows</th>
                <th>Created</th>
                <th>Job</th>
              </tr>
            </thead>
            <tbody>
              {all.map((v) => (
                <tr key={v.version} className={v.version === current?.version ? "selected" : undefined}>
                  <td>
                    <button className="linklike" data-testid={`version-${v.version}`} onClick={() => setSelected(v.version)}>
                      v{v.version}
                    </button>
                  </td>
                  <td className="num">{v.row_count}</td>
                  <td>{fmtDate(v.created_at)}</td>
                  <td>{v.job_id ? <Link to={`/jobs/${v.job_id}`}>{v.job_id}</Link> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
      <Card title="Schema">{current ? <SchemaTable columns={current.columns} /> : <Empty>No version yet.</Empty>}</Card>
      <Card title="Preview">
        <PreviewTable dataset={d.name} version={current?.version} />
      </Card>
    </>
  );
}
