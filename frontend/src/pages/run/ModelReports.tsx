// Renderers for the algorithm reports with a known shape: logistic odds ratios, feature
// importances, tree text, the k-means k scan and the k-NN k search.
import { Notice } from "../../ui";
import { BarList, Num, PCell, SubHead } from "./common";
import { isRecord, labelText } from "./details";
import { LineChart } from "./LineChart";

type Row = Record<string, unknown>;

function OddsTable({ rows, testId }: { rows: Row[]; testId: string }) {
  return (
    <div className="scroll-x">
      <table className="table compact stats" data-testid={testId}>
        <thead>
          <tr>
            <th>Term</th>
            <th className="num">Coef</th>
            <th className="num">Std. error</th>
            <th className="num">z</th>
            <th className="num">p</th>
            <th className="num">Odds ratio</th>
            <th className="num">OR CI low</th>
            <th className="num">OR CI high</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={String(r.term)} data-testid={`or-row-${String(r.term)}`}>
              <th className="mono">{String(r.term)}</th>
              <Num v={r.coef} />
              <Num v={r.std_error} />
              <Num v={r.z} decimals={3} />
              <PCell p={r.p_value} />
              <Num v={r.odds_ratio} className="strong" />
              <Num v={r.or_ci_low} />
              <Num v={r.or_ci_high} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The statsmodels Logit/MNLogit table: one odds-ratio table per class against the reference class. */
export function LogisticReport({ stats, labels }: { stats: Row; labels: unknown[] | undefined }) {
  if (stats.available === false) return <Notice testId="logit-unavailable">Odds ratios unavailable: {String(stats.reason)}</Notice>;
  const tables = Array.isArray(stats.tables) ? (stats.tables as Row[]) : [];
  const cls = (k: unknown) => `class ${labels && typeof k === "number" && k < labels.length ? labelText(labels[k]) : String(k)}`;
  return (
    <div data-testid="logit-report">
      <table className="table compact stats-summary">
        <thead>
          <tr>
            <th>Model</th>
            <th className="num">n</th>
            <th className="num">Pseudo R²</th>
            <th className="num">Log-likelihood</th>
            <th className="num">LLR p</th>
            <th className="num">AIC</th>
            <th className="num">BIC</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>{String(stats.model ?? "logit")}</td>
            <td className="num">{String(stats.n ?? "—")}</td>
            <Num v={stats.pseudo_r2} />
            <Num v={stats.log_likelihood} decimals={2} />
            <PCell p={stats.llr_p_value} />
            <Num v={stats.aic} decimals={2} />
            <Num v={stats.bic} decimals={2} />
          </tr>
        </tbody>
      </table>
      {tables.map((t) => (
        <div key={String(t.class)}>
          <SubHead>
            Odds ratios: {cls(t.class)} vs {cls(t.vs_class)}
          </SubHead>
          <OddsTable rows={Array.isArray(t.rows) ? (t.rows as Row[]) : []} testId={`odds-table-${String(t.class)}`} />
        </div>
      ))}
      {typeof stats.class_note === "string" && <p className="muted small">{stats.class_note}</p>}
    </div>
  );
}

export function Importances({ rows }: { rows: Row[] }) {
  const bars = rows
    .filter((r) => typeof r.importance === "number")
    .map((r) => ({ name: String(r.feature), value: r.importance as number }));
  return <BarList bars={bars} testId="feature-importances" limit={25} />;
}

export function TreeText({ text }: { text: string }) {
  return (
    <pre className="code tree-text" data-testid="tree-text">
      {text}
    </pre>
  );
}

/** k-means: inertia (look for the elbow) and silhouette (look for the peak) against k. */
export function KScan({ scan, chosen }: { scan: Row; chosen?: number }) {
  const k = scan.k as number[];
  const markers = chosen ? [{ x: chosen, label: `k = ${chosen}` }] : undefined;
  return (
    <div className="charts">
      {Array.isArray(scan.inertia) && (
        <LineChart testId="chart-k-inertia" title="Elbow: inertia by k" xLabel="k (clusters)" yLabel="Inertia" series={[{ name: "inertia", x: k, y: scan.inertia as number[] }]} markers={markers} />
      )}
      {Array.isArray(scan.silhouette) && (
        <LineChart testId="chart-k-silhouette" title="Silhouette by k" xLabel="k (clusters)" yLabel="Silhouette" series={[{ name: "silhouette", x: k, y: scan.silhouette as number[], color: "#16a34a" }]} markers={markers} note={typeof scan.sampled_rows === "number" ? `refitted on ${scan.sampled_rows} sampled rows` : undefined} />
      )}
    </div>
  );
}

/** k-NN's search over k: the cross-validated score per k, with the chosen k marked. */
export function KnnCurve({ curve, chosen }: { curve: Row[]; chosen: unknown }) {
  const x = curve.map((p) => Number(p.k));
  const y = curve.map((p) => (typeof p.score === "number" ? p.score : null));
  return (
    <div className="charts">
      <LineChart
        testId="chart-knn-k"
        title="Cross-validated score by k"
        xLabel="k (neighbours)"
        yLabel="CV score"
        series={[{ name: "score", x, y }]}
        markers={typeof chosen === "number" ? [{ x: chosen, label: `k = ${chosen}` }] : undefined}
      />
    </div>
  );
}

export const isImportanceList = (v: unknown): v is Row[] =>
  Array.isArray(v) && v.length > 0 && v.every((r) => isRecord(r) && "feature" in r && "importance" in r);
