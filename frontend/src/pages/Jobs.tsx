// Jobs: the background-job list with filters, and a job's params, result, error, logs, cancel and retry.
import { useState } from "react";
import { cancelJob, getJob, getJobLogs, listJobs, retryJob, type Job } from "../api";
import { Link, navigate } from "../router";
import {
  Card,
  Empty,
  ErrorBox,
  errorText,
  fmtDate,
  fmtDuration,
  isActive,
  jobDuration,
  JsonTable,
  KeyValues,
  Loading,
  PageHeader,
  StateBadge,
  useLoad,
} from "../ui";

const STATES = ["", "queued", "running", "succeeded", "failed", "cancelled"];
const TYPES = ["", "dataset.import", "training.run", "batch.predict", "vectors.fill"];

export function Jobs() {
  const [state, setState] = useState("");
  const [type, setType] = useState("");
  const jobs = useLoad(
    () => listJobs({ state, type, limit: 200 }),
    [state, type],
    (data) => (data.items.some((j) => isActive(j.state)) ? 2000 : null),
  );
  return (
    <>
      <PageHeader title="Jobs" sub="Imports, training runs and batch predictions run as background jobs.">
        <select data-testid="jobs-state-filter" value={state} onChange={(e) => setState(e.target.value)}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s || "all states"}
            </option>
          ))}
        </select>
        <select data-testid="jobs-type-filter" value={type} onChange={(e) => setType(e.target.value)}>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t || "all types"}
            </option>
          ))}
        </select>
      </PageHeader>
      <Card>
        <ErrorBox error={jobs.error} />
        {!jobs.data ? (
          <Loading />
        ) : jobs.data.items.length === 0 ? (
          <Empty>No jobs match.</Empty>
        ) : (
          <table className="table" data-testid="jobs-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Type</th>
                <th>State</th>
                <th className="num">Attempts</th>
                <th>Created</th>
                <th className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((j) => (
                <tr key={j.id} data-testid={`job-row-${j.id}`}>
                  <td>
                    <Link to={`/jobs/${j.id}`} className="mono" testId={`job-link-${j.id}`}>
                      {j.id}
                    </Link>
                  </td>
                  <td className="mono">{j.type}</td>
                  <td>
                    <StateBadge state={j.state} />
                  </td>
                  <td className="num">{j.attempts}</td>
                  <td>{fmtDate(j.created_at)}</td>
                  <td className="num">{fmtDuration(jobDuration(j))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function Logs({ job }: { job: Job }) {
  const active = isActive(job.state);
  const logs = useLoad(() => getJobLogs(job.id), [job.id, job.state], () => (active ? 1500 : null));
  return (
    <>
      <ErrorBox error={logs.error} />
      <pre className="code logs" data-testid="job-logs">
        {logs.data === undefined ? "Loading…" : logs.data || "(no log lines yet)"}
      </pre>
    </>
  );
}

/** Where a job's result leads: the imported dataset, or the run it trained. */
function resultLink(job: Job) {
  const result = job.result as { dataset_id?: string; run_id?: string } | null;
  const runId = result?.run_id ?? (job.params as { run_id?: string }).run_id;
  if (job.type === "training.run" && runId) return <Link to={`/runs/${runId}`}>run {runId}</Link>;
  if (result?.dataset_id) return <Link to={`/datasets/${result.dataset_id}`}>dataset {result.dataset_id}</Link>;
  return null;
}

export function JobDetail({ id }: { id: string }) {
  const job = useLoad(() => getJob(id), [id], (j) => (isActive(j.state) ? 1000 : null));
  const [error, setError] = useState<string>();
  if (job.error && !job.data) return <ErrorBox error={job.error} />;
  if (!job.data) return <Loading what="job" />;
  const j = job.data;
  const act = async (fn: () => Promise<Job>, goTo: boolean) => {
    setError(undefined);
    try {
      const next = await fn();
      if (goTo && next.id !== j.id) navigate(`/jobs/${next.id}`);
      else job.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const canRetry = j.state === "failed" || j.state === "cancelled";
  return (
    <>
      <PageHeader
        title={
          <>
            <span className="mono">{j.id}</span> <StateBadge state={j.state} testId="job-state" />
          </>
        }
        sub={j.type}
      >
        <button className="btn" disabled={!isActive(j.state)} data-testid="job-cancel" onClick={() => void act(() => cancelJob(j.id), false)}>
          Cancel
        </button>
        <button className="btn" disabled={!canRetry} data-testid="job-retry" onClick={() => void act(() => retryJob(j.id), true)}>
          Retry
        </button>
      </PageHeader>
      <ErrorBox error={error} />
      {j.error && <ErrorBox error={j.error} testId="job-error" />}
      <div className="grid-2">
        <Card title="Job">
          <KeyValues
            rows={[
              ["Type", <span className="mono">{j.type}</span>],
              ["Attempts", String(j.attempts)],
              ["Created", fmtDate(j.created_at)],
              ["Started", fmtDate(j.started_at)],
              ["Finished", fmtDate(j.finished_at)],
              ["Duration", fmtDuration(jobDuration(j))],
              ["Leads to", resultLink(j) ?? "—"],
            ]}
          />
        </Card>
        <Card title="Parameters">
          <JsonTable value={j.params} />
        </Card>
      </div>
      <Card title="Result">
        {j.result ? <JsonTable value={j.result} testPrefix="job-result" /> : <Empty>{isActive(j.state) ? "Still working…" : "No result."}</Empty>}
      </Card>
      <Card title="Logs" actions={isActive(j.state) ? <span className="muted small">auto-refreshing</span> : undefined}>
        <Logs job={j} />
      </Card>
    </>
  );
}
