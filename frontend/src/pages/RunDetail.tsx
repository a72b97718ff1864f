// Run detail: live state, parameters, metrics, per-fold CV, confusion matrix, plots and model registration.
import { useEffect, useState, type FormEvent } from "react";
import { getRun, getRunPlot, registerModel, type ModelVersion, type Run } from "../api";
import { Link } from "../router";
import {
  Card,
  Empty,
  ErrorBox,
  errorText,
  fmtDate,
  fmtDuration,
  fmtMetric,
  isActive,
  JsonTable,
  KeyValues,
  Loading,
  PageHeader,
  StateBadge,
  useLoad,
} from "../ui";

function MetricsTable({ run }: { run: Run }) {
  const names = Object.keys(run.metrics);
  if (!names.length) return <Empty>{isActive(run.state) ? "Metrics appear when the run finishes." : "No metrics."}</Empty>;
  const folds = run.cv_metrics;
  return (
    <table className="table compact" data-testid="metrics-table">
      <thead>
        <tr>
          <th>Metric</th>
          <th className="num">Value</th>
          {folds && <th className="num">CV std</th>}
        </tr>
      </thead>
      <tbody>
        {names.map((m) => {
          const per = folds?.[m];
          const std = per && per.length > 1 ? Math.sqrt(per.reduce((s, v) => s + (v - run.metrics[m]) ** 2, 0) / per.length) : undefined;
          return (
            <tr key={m}>
              <th className="mono">{m}</th>
              <td className="num strong" data-testid={`metric-${m}`} data-value={run.metrics[m]}>
                {fmtMetric(run.metrics[m])}
              </td>
              {folds && <td className="num muted">{std === undefined ? "—" : `± ${fmtMetric(std)}`}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CvTable({ cv }: { cv: Record<string, number[]> }) {
  const metrics = Object.keys(cv);
  const folds = Math.max(0, ...metrics.map((m) => cv[m].length));
  return (
    <table className="table compact" data-testid="cv-table">
      <thead>
        <tr>
          <th>Metric</th>
          {Array.from({ length: folds }, (_, i) => (
            <th key={i} className="num">
              Fold {i + 1}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {metrics.map((m) => (
          <tr key={m}>
            <th className="mono">{m}</th>
            {cv[m].map((v, i) => (
              <td key={i} className="num" data-testid={`cv-${m}-${i}`}>
                {fmtMetric(v)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: unknown[] }) {
  const max = Math.max(1, ...matrix.flat());
  const name = (i: number) => String(labels[i] ?? i);
  return (
    <div className="scroll-x">
      <table className="table confusion" data-testid="confusion-matrix">
        <thead>
          <tr>
            <th className="muted small">actual ↓ / predicted →</th>
            {matrix[0]?.map((_, j) => <th key={j}>{name(j)}</th>)}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={i}>
              <th>{name(i)}</th>
              {row.map((v, j) => (
                <td
                  key={j}
                  className={`num${i === j ? " diag" : ""}`}
                  style={{ background: `rgba(${i === j ? "37, 99, 235" : "220, 38, 38"}, ${(v / max) * 0.55})` }}
                  data-testid={`cm-${i}-${j}`}
                >
                  {v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Plots need the bearer header, so each image is fetched as a blob and shown from an object URL. */
function Plot({ runId, file }: { runId: string; file: string }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let objectUrl: string | undefined;
    let alive = true;
    getRunPlot(runId, file)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        if (alive) setUrl(objectUrl);
      })
      .catch((err: unknown) => alive && setError(errorText(err)));
    return () => {
      alive = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [runId, file]);
  return (
    <figure className="plot">
      {error ? <ErrorBox error={error} /> : url ? <img src={url} alt={file} data-testid={`plot-${file}`} /> : <Loading />}
      <figcaption className="muted small">{file}</figcaption>
    </figure>
  );
}

function RegisterModel({ run }: { run: Run }) {
  const [name, setName] = useState(() => `${run.dataset_name}-${run.algorithm}`.replace(/[^A-Za-z0-9_.-]/g, "-"));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<ModelVersion>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setDone(await registerModel({ name: name.trim(), run_id: run.id }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} data-testid="register-form">
      <div className="row">
        <label className="field grow">
          <span>Model name</span>
          <input required data-testid="register-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <button className="btn btn-primary" type="submit" disabled={busy || run.state !== "succeeded"} data-testid="register-submit">
            Register model
          </button>
        </div>
      </div>
      <ErrorBox error={error} testId="register-error" />
      {done && (
        <div className="alert alert-ok" data-testid="register-done">
          Registered as{" "}
          <Link to={`/models/${done.model_name}`} testId="registered-model-link">
            {done.model_name} v{done.version}
          </Link>
        </div>
      )}
    </form>
  );
}

export function RunDetail({ id }: { id: string }) {
  const run = useLoad(() => getRun(id), [id], (r) => (isActive(r.state) ? 1000 : null));
  if (run.error && !run.data) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading what="run" />;
  const r = run.data;
  const cm = r.details?.confusion_matrix;
  return (
    <>
      <PageHeader
        title={
          <>
            {r.name || r.id} <StateBadge state={r.state} testId="run-state" />
          </>
        }
        sub={<span className="mono">{r.id}</span>}
      >
        <Link to={`/jobs/${r.job_id}`} className="btn" testId="run-job-logs">
          Job &amp; logs
        </Link>
      </PageHeader>
      {r.error && <ErrorBox error={r.error} testId="run-error" />}
      <div className="grid-2">
        <Card title="Run">
          <KeyValues
            rows={[
              ["Algorithm", <span className="mono">{r.algorithm}</span>],
              ["Task", r.task],
              ["Dataset", <Link to={`/datasets/${r.dataset_id}`}>{`${r.dataset_name} v${r.dataset_version}`}</Link>],
              ["Target", r.target ?? "—"],
              ["Features", r.features?.length ? r.features.join(", ") : "all other columns"],
              ["Validation", r.cv_folds ? `${r.cv_folds}-fold cross-validation` : `holdout, test size ${r.test_size}`],
              ["Seed", String(r.seed)],
              ["Experiment", r.experiment.name],
              ["Duration", fmtDuration(r.duration_s)],
              ["Created", fmtDate(r.created_at)],
              ["Finished", fmtDate(r.finished_at)],
            ]}
          />
        </Card>
        <Card title="Metrics">
          <MetricsTable run={r} />
        </Card>
      </div>
      <div className="grid-2">
        <Card title="Parameters">
          <JsonTable value={r.params} testPrefix="param-value" />
        </Card>
        <Card title="Register model">
          {r.state === "succeeded" ? <RegisterModel run={r} /> : <Empty>A run can be registered once it has succeeded.</Empty>}
        </Card>
      </div>
      {r.cv_metrics && Object.keys(r.cv_metrics).length > 0 && (
        <Card title="Cross-validation folds">
          <CvTable cv={r.cv_metrics} />
        </Card>
      )}
      {cm && cm.length > 0 && (
        <Card title="Confusion matrix">
          <ConfusionMatrix matrix={cm} labels={r.details.labels ?? []} />
        </Card>
      )}
      {r.plots.length > 0 && (
        <Card title="Plots">
          <div className="plots">
            {r.plots.map((f) => (
              <Plot key={f} runId={r.id} file={f} />
            ))}
          </div>
        </Card>
      )}
      {r.input_schema.length > 0 && (
        <Card title="Input schema">
          <table className="table compact">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th>Nullable</th>
              </tr>
            </thead>
            <tbody>
              {r.input_schema.map((c) => (
                <tr key={c.name}>
                  <td className="mono">{c.name}</td>
                  <td>{c.type}</td>
                  <td>{c.nullable ? "yes" : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
