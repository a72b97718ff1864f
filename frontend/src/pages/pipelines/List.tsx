// Pipelines list: name, version, nodes, last run state and schedule.
import { Link, navigate } from "../../router";
import { Card, Empty, ErrorBox, fmtDate, Loading, PageHeader, StateBadge, useLoad } from "../../ui";
import { listPipelines } from "./api";
import "./pipelines.css";

export function Pipelines() {
  const { data, error, loading } = useLoad(listPipelines, []);
  return (
    <>
      <PageHeader title="Pipelines" sub="Feature pipelines: typed operator DAGs that turn datasets into training-ready datasets.">
        <button className="btn btn-primary" data-testid="pipeline-new" onClick={() => navigate("/pipelines/new")}>
          New pipeline
        </button>
      </PageHeader>
      <ErrorBox error={error} />
      <Card>
        {loading && !data ? (
          <Loading what="pipelines" />
        ) : !data?.length ? (
          <Empty>No pipelines yet. Create one to join, clean and encode your datasets.</Empty>
        ) : (
          <table className="table" data-testid="pipelines-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Version</th>
                <th className="num">Nodes</th>
                <th>Last run</th>
                <th>Schedule</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.map((p) => (
                <tr key={p.id} data-testid={`pipeline-row-${p.name}`}>
                  <td>
                    <Link to={`/pipelines/${p.name}`} testId={`pipeline-link-${p.name}`}>
                      {p.name}
                    </Link>
                    {p.description && <div className="muted small">{p.description}</div>}
                  </td>
                  <td>v{p.version}</td>
                  <td className="num">{p.spec.nodes.length}</td>
                  <td>
                    {p.last_run ? (
                      <>
                        <StateBadge state={p.last_run.state} testId={`pipeline-last-${p.name}`} /> <span className="muted small">{fmtDate(p.last_run.created_at)}</span>
                      </>
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                  <td>
                    {p.schedule ? (
                      <>
                        <code>{p.schedule.cron}</code> {p.schedule.timezone && p.schedule.timezone !== "UTC" && <span className="muted small">{p.schedule.timezone}</span>}{" "}
                        {!p.schedule.enabled && <span className="tag">paused</span>}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{fmtDate(p.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
