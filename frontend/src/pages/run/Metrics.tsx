// Metrics on the evaluated rows next to the same metrics on the training rows, per-fold CV and the confusion matrix.
import type { Run } from "../../api";
import { Empty, fmtMetric, isActive, lowerIsBetter } from "../../ui";

function foldStd(values: number[] | undefined): number | undefined {
  if (!values || values.length < 2) return undefined;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/**
 * Evaluation vs training scores. The gap is training − evaluation for scores (higher is
 * better) and evaluation − training for errors, so a large positive gap always reads as overfitting.
 */
export function MetricsTable({ run, train }: { run: Run; train: Record<string, number> | undefined }) {
  const names = Object.keys(run.metrics);
  if (!names.length) return <Empty>{isActive(run.state) ? "Metrics appear when the run finishes." : "No metrics."}</Empty>;
  const folds = run.cv_metrics;
  const hasTrain = train && Object.keys(train).length > 0;
  return (
    <table className="table compact" data-testid="metrics-table">
      <thead>
        <tr>
          <th>Metric</th>
          <th className="num">Evaluation</th>
          {hasTrain && <th className="num">Training</th>}
          {hasTrain && <th className="num" title="How much better the model does on the rows it was fitted on">Gap</th>}
          {folds && <th className="num">CV std</th>}
        </tr>
      </thead>
      <tbody>
        {names.map((m) => {
          const value = run.metrics[m];
          const t = train?.[m];
          const gap = t === undefined ? undefined : lowerIsBetter(m) ? value - t : t - value;
          const std = foldStd(folds?.[m]);
          // A 0.1 gap only means something on a 0–1 scale (accuracy, F1, R²), not for RMSE or MAE.
          const bounded = t !== undefined && Math.abs(value) <= 1 && Math.abs(t) <= 1;
          const wide = gap !== undefined && bounded && gap > 0.1;
          return (
            <tr key={m}>
              <th className="mono">{m}</th>
              <td className="num strong" data-testid={`metric-${m}`} data-value={value}>
                {fmtMetric(value)}
              </td>
              {hasTrain && (
                <td className="num" data-testid={`train-metric-${m}`} data-value={t}>
                  {fmtMetric(t)}
                </td>
              )}
              {hasTrain && (
                <td className={`num${wide ? " gap-warn" : " muted"}`} data-testid={`gap-${m}`}>
                  {gap === undefined ? "—" : `${gap > 0 ? "+" : ""}${fmtMetric(gap)}`}
                </td>
              )}
              {folds && <td className="num muted">{std === undefined ? "—" : `± ${fmtMetric(std)}`}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function CvTable({ cv }: { cv: Record<string, number[]> }) {
  const metrics = Object.keys(cv);
  const folds = Math.max(0, ...metrics.map((m) => cv[m].length));
  return (
    <div className="scroll-x">
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
    </div>
  );
}

export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: unknown[] }) {
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
