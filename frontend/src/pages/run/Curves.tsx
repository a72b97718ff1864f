// The run's curves drawn from its data: ROC, PR, calibration, learning, validation, threshold, residuals.
import type { ReactElement } from "react";
import { Card, fmtMetric } from "../../ui";
import { labelText, type Details, type ScoreCurve } from "./details";
import { LineChart, type Series } from "./LineChart";

const UNIT: [number, number] = [0, 1];

/** "(AUC 0.9712)" after a curve's name, when the number is there. */
const scoreNote = (name: string, v: number | null | undefined) => (v == null ? "" : ` (${name} ${fmtMetric(v)})`);

/** The caption of a one-curve chart (no legend): "class 1 · AUC 0.9712". */
const single = (label: unknown, name: string, v: number | null | undefined) =>
  `class ${labelText(label)}${v == null ? "" : ` · ${name} ${fmtMetric(v)}`}`;

/** Training and validation means with ±1 std bands, against any x. */
function scoreSeries(c: ScoreCurve, x: number[]): Series[] {
  const band = (mean: number[], std: number[]) => ({
    low: mean.map((m, i) => m - (std[i] ?? 0)),
    high: mean.map((m, i) => m + (std[i] ?? 0)),
  });
  return [
    { name: "training", x, y: c.train_mean, band: band(c.train_mean, c.train_std), color: "#2563eb" },
    { name: "validation", x, y: c.test_mean, band: band(c.test_mean, c.test_std), color: "#d97706" },
  ];
}

function rocChart(d: Details): ReactElement | null {
  if (!d.roc_curve?.length) return null;
  const series = d.roc_curve.map((c) => ({ name: `${labelText(c.label)}${scoreNote("AUC", c.auc)}`, x: c.fpr, y: c.tpr }));
  const note = d.roc_curve.length === 1 ? single(d.roc_curve[0].label, "AUC", d.roc_curve[0].auc) : undefined;
  return <LineChart key="roc" testId="chart-roc" title="ROC curve" xLabel="False positive rate" yLabel="True positive rate" series={series} xDomain={UNIT} yDomain={UNIT} diagonal note={note} />;
}

function prChart(d: Details): ReactElement | null {
  if (!d.pr_curve?.length) return null;
  const series = d.pr_curve.map((c) => ({ name: `${labelText(c.label)}${scoreNote("AP", c.average_precision)}`, x: c.recall, y: c.precision }));
  const note = d.pr_curve.length === 1 ? single(d.pr_curve[0].label, "AP", d.pr_curve[0].average_precision) : undefined;
  return <LineChart key="pr" testId="chart-pr" title="Precision–recall curve" xLabel="Recall" yLabel="Precision" series={series} xDomain={UNIT} yDomain={UNIT} note={note} />;
}

function calibrationChart(d: Details): ReactElement | null {
  if (!d.calibration_curve?.length) return null;
  const series = d.calibration_curve.map((c) => ({
    name: `${labelText(c.label)}${scoreNote("Brier", c.brier)}`,
    x: c.mean_predicted,
    y: c.fraction_positive,
  }));
  const note = d.calibration_curve.length === 1 ? single(d.calibration_curve[0].label, "Brier", d.calibration_curve[0].brier) : undefined;
  return (
    <LineChart key="cal" testId="chart-calibration" title="Calibration (reliability)" xLabel="Mean predicted probability" yLabel="Fraction of positives" series={series} xDomain={UNIT} yDomain={UNIT} diagonal note={note} />
  );
}

function learningChart(d: Details): ReactElement | null {
  const c = d.learning_curve;
  if (!c?.train_sizes?.length) return null;
  return (
    <LineChart key="lc" testId="chart-learning" title="Learning curve" xLabel="Training rows" yLabel={c.metric ?? "score"} series={scoreSeries(c, c.train_sizes)} note="mean ± 1 std over folds" />
  );
}

function validationChart(d: Details): ReactElement | null {
  const c = d.validation_curve;
  if (!c?.values?.length) return null;
  const numeric = c.values.every((v) => typeof v === "number");
  const nums = numeric ? (c.values as number[]) : [];
  const log = numeric && Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 50;
  const x = numeric ? nums : c.values.map((_, i) => i);
  return (
    <LineChart
      key="vc"
      testId="chart-validation"
      title={`Validation curve: ${c.param}`}
      xLabel={c.param + (log ? " (log scale)" : "")}
      yLabel={c.metric ?? "score"}
      series={scoreSeries(c, x)}
      xLog={log}
      xCategories={numeric ? undefined : c.values.map(String)}
      note="mean ± 1 std over folds"
    />
  );
}

function thresholdChart(d: Details): ReactElement | null {
  const t = d.threshold;
  if (!t?.curve?.thresholds?.length) return null;
  const yLabel = t.objective === "cost" ? "Expected cost" : "F1";
  return (
    <LineChart
      key="th"
      testId="chart-threshold"
      title="Decision threshold"
      xLabel="Threshold on P(positive)"
      yLabel={yLabel}
      series={[{ name: yLabel, x: t.curve.thresholds, y: t.curve.scores }]}
      xDomain={UNIT}
      markers={[{ x: t.value, label: `chosen ${fmtMetric(t.value)}` }]}
    />
  );
}

function residualChart(d: Details): ReactElement | null {
  const r = d.residuals;
  if (!r?.fitted?.length) return null;
  return (
    <LineChart key="res" testId="chart-residuals" title="Residuals vs fitted" xLabel="Fitted value" yLabel="Residual" series={[{ name: "residual", x: r.fitted, y: r.residual, scatter: true }]} zeroLine />
  );
}

/** Every chart this run has data for, in reading order. */
export function curveCharts(d: Details): ReactElement[] {
  return [rocChart, prChart, calibrationChart, thresholdChart, learningChart, validationChart, residualChart]
    .map((make) => make(d))
    .filter((c): c is ReactElement => c !== null);
}

export function Curves({ details }: { details: Details }) {
  const charts = curveCharts(details);
  if (!charts.length) return null;
  return (
    <Card title="Curves" testId="curves">
      <div className="charts">{charts}</div>
    </Card>
  );
}
