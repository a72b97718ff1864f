// Validation issues: grouped per node for the canvas marks, and listed in a table under the canvas.
import type { Issue, PipelineResult, PipelineRun } from "./api";
import type { NodeOverlay } from "./Canvas";
import type { OpNode } from "./model";

export function issuesByNode(issues: Issue[]): Record<string, Issue[]> {
  const out: Record<string, Issue[]> = {};
  for (const i of issues) if (i.node) (out[i.node] ??= []).push(i);
  return out;
}

/** Per node: its issues, plus the status of the quick result or the run the current tab shows. */
export function buildOverlays(
  nodes: OpNode[],
  byNode: Record<string, Issue[]>,
  shown: { quick?: PipelineResult; run?: PipelineRun },
): Record<string, NodeOverlay> {
  const out: Record<string, NodeOverlay> = {};
  for (const n of nodes) {
    const o: NodeOverlay = { issues: byNode[n.id] };
    const res = shown.quick?.nodes[n.id] ?? shown.run?.nodes?.[n.id];
    if (res) Object.assign(o, { status: res.status, duration_s: res.duration_s, rows: Object.values(res.rows ?? {})[0] });
    out[n.id] = o;
  }
  return out;
}

export function IssueList({ issues, onPick }: { issues: Issue[]; onPick: (node: string) => void }) {
  if (!issues.length) return <div className="alert alert-ok" data-testid="issues-none">No issues: the pipeline is valid.</div>;
  return (
    <table className="table compact pl-issues" data-testid="issues">
      <thead>
        <tr>
          <th>Severity</th>
          <th>Node</th>
          <th>Code</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {issues.map((i, k) => (
          <tr key={k} data-testid={`issue-${k}`}>
            <td>
              <span className={`badge ${i.severity === "error" ? "badge-failed" : "badge-queued"}`}>{i.severity}</span>
            </td>
            <td>
              {i.node ? (
                <button className="linklike mono" onClick={() => onPick(i.node!)}>
                  {i.node}
                </button>
              ) : (
                "—"
              )}
            </td>
            <td className="mono">{i.code}</td>
            <td>{i.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
