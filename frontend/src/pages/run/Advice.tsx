// Findings about the run (details.advice), most severe first: what was seen, the evidence, what to do.
import { Card } from "../../ui";
import type { Finding, Severity } from "./details";

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const rank = (s: string) => RANK[s as Severity] ?? 3;

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}

export function FindingCard({ f }: { f: Finding }) {
  return (
    <article className={`finding finding-${f.severity}`} data-testid={`finding-${f.code}`} data-severity={f.severity}>
      <header>
        <span className={`sev sev-${f.severity}`}>{f.severity}</span>
        <strong>{f.title}</strong>
        <code className="muted small">{f.code}</code>
      </header>
      {f.evidence && <p className="evidence">{f.evidence}</p>}
      {f.remedy && (
        <p className="remedy">
          <span className="muted">What to do: </span>
          {f.remedy}
        </p>
      )}
      {f.columns && f.columns.length > 0 && (
        <div>
          {f.columns.map((c) => (
            <span key={c} className="tag mono">
              {c}
            </span>
          ))}
        </div>
      )}
    </article>
  );
}

export function Advice({ findings }: { findings: Finding[] | undefined }) {
  if (!findings?.length) return null;
  const counts = (["critical", "warning", "info"] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(" · ");
  return (
    <Card title="Advice" actions={<span className="muted small">{counts}</span>} testId="advice">
      <div className="findings">
        {sortFindings(findings).map((f, i) => (
          <FindingCard key={`${f.code}-${i}`} f={f} />
        ))}
      </div>
    </Card>
  );
}
