// Run detail: advice first, then metrics, curves drawn from data, the model's report, the options
// used, text-task results, parameters, registration and the PNG gallery (pieces live in ./run/).
import { getRun, type Run } from "../api";
import { Link } from "../router";
import { Card, Empty, ErrorBox, fmtDate, fmtDuration, isActive, JsonTable, KeyValues, Loading, PageHeader, SchemaTable, StateBadge, useLoad } from "../ui";
import { Advice } from "./run/Advice";
import { BarList } from "./run/common";
import { Curves } from "./run/Curves";
import { detailsOf, type Details } from "./run/details";
import { LiveEpochs } from "./run/LiveEpochs";
import { ConfusionMatrix, CvTable, MetricsTable } from "./run/Metrics";
import { OptionsUsed } from "./run/OptionsUsed";
import { PlotGallery } from "./run/Plots";
import { RegisterModel } from "./run/Register";
import { EmbeddingPanel } from "./run/EmbeddingPanel";
import { Report } from "./run/Report";
import { TextReports } from "./run/TextReports";

function validationText(r: Run): string {
  const group = r.options?.group_column;
  // Embeddings are fitted on every document; nothing is held out.
  if (r.task === "embedding") return "none: fitted on every document";
  if (r.cv_folds) return `${r.cv_folds}-fold ${group ? `grouped cross-validation on ${group}` : "cross-validation"}`;
  return `holdout, test size ${r.test_size}`;
}

function RunInfo({ r }: { r: Run }) {
  return (
    <Card title="Run">
      <KeyValues
        rows={[
          ["Algorithm", <span className="mono">{r.algorithm}</span>],
          ["Task", r.task],
          ["Dataset", <Link to={`/datasets/${r.dataset_id}`}>{`${r.dataset_name} v${r.dataset_version}`}</Link>],
          ["Target", r.target ?? "—"],
          ["Features", r.features?.length ? r.features.join(", ") : "all other columns"],
          ["Validation", validationText(r)],
          ["Seed", String(r.seed)],
          ["Experiment", r.experiment.name],
          ["Duration", fmtDuration(r.duration_s)],
          ["Created", fmtDate(r.created_at)],
          ["Finished", fmtDate(r.finished_at)],
        ]}
      />
    </Card>
  );
}

/** What the metrics were computed against, and the flow's own caveats about them. */
function MetricNotes({ d }: { d: Details }) {
  const notes = Array.isArray(d.notes) ? d.notes : [];
  if (!notes.length && !d.scored_against) return null;
  return (
    <ul className="notes muted small" data-testid="metric-notes">
      {d.scored_against && (
        <li>
          External scores compare clusters with <span className="mono">{d.scored_against.target}</span> on {d.scored_against.rows} rows.
        </li>
      )}
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

function Evaluation({ r, d }: { r: Run; d: Details }) {
  const cm = d.confusion_matrix;
  const hasCv = r.cv_metrics && Object.keys(r.cv_metrics).length > 0;
  const sizes = d.cluster_sizes && Object.keys(d.cluster_sizes).length > 0 ? d.cluster_sizes : undefined;
  if (!hasCv && !cm?.length && !sizes) return null;
  return (
    <div className="grid-2">
      {hasCv && r.cv_metrics && (
        <Card title="Cross-validation folds">
          <CvTable cv={r.cv_metrics} />
        </Card>
      )}
      {cm && cm.length > 0 && (
        <Card title="Confusion matrix">
          <ConfusionMatrix matrix={cm} labels={d.labels ?? []} />
        </Card>
      )}
      {sizes && (
        <Card title="Cluster sizes">
          <BarList bars={Object.entries(sizes).map(([name, value]) => ({ name: `cluster ${name}`, value }))} decimals={0} testId="cluster-sizes" />
        </Card>
      )}
    </div>
  );
}

function InputSchema({ r }: { r: Run }) {
  if (!r.input_schema.length) return null;
  return (
    <Card title="Input schema">
      <SchemaTable fields={r.input_schema} />
    </Card>
  );
}

export function RunDetail({ id }: { id: string }) {
  const run = useLoad(() => getRun(id), [id], (r) => (isActive(r.state) ? 1000 : null));
  if (run.error && !run.data) return <ErrorBox error={run.error} />;
  // After navigating from another run, the previous run's data must not stand in for this one.
  if (!run.data || run.data.id !== id) return <Loading what="run" />;
  const r = run.data;
  const d = detailsOf(r);
  const evaluatedOn = typeof d.evaluated_on === "string" ? d.evaluated_on : undefined;
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
      <Advice findings={d.advice} />
      <LiveEpochs run={r} />
      <div className="grid-2">
        <RunInfo r={r} />
        <Card title="Metrics" actions={evaluatedOn && <span className="muted small">evaluated on {evaluatedOn.replace(/_/g, " ")}</span>}>
          <MetricsTable run={r} train={d.train_metrics} />
          <MetricNotes d={d} />
        </Card>
      </div>
      <Evaluation r={r} d={d} />
      <Curves details={d} />
      <Report report={d.report} run={r} />
      <EmbeddingPanel run={r} />
      <OptionsUsed run={r} details={d} />
      <TextReports details={d} />
      <div className="grid-2">
        <Card title="Parameters">
          <JsonTable value={r.params} testPrefix="param-value" />
        </Card>
        <Card title="Register model">
          {r.state === "succeeded" ? <RegisterModel run={r} /> : <Empty>A run can be registered once it has succeeded.</Empty>}
        </Card>
      </div>
      <PlotGallery runId={r.id} files={r.plots} />
      <InputSchema r={r} />
    </>
  );
}
