// What the run did beyond the algorithm's params: the options set, feature selection,
// class imbalance handling, the tuned decision threshold and grouped cross-validation.
import type { Run, TrainingOptions } from "../../api";
import { Card, fmtMetric, fmtValue, KeyValues } from "../../ui";
import { BarList, SubHead } from "./common";
import type { Details, FeatureSelection, Imbalance, ThresholdInfo } from "./details";

const DEFAULTS: Record<string, unknown> = {
  group_column: null,
  standardize: false,
  class_weight: null,
  resampling: null,
  threshold: null,
  cost_ratio: 1,
  feature_selection: null,
  learning_curve: false,
  validation_curve: null,
};

/** The options that differ from their defaults, as printable pairs. */
export function nonDefaultOptions(options: TrainingOptions | null | undefined): [string, string][] {
  return Object.entries(options ?? {})
    .filter(([k, v]) => v !== undefined && JSON.stringify(v ?? null) !== JSON.stringify(DEFAULTS[k] ?? null))
    .filter(([k]) => k !== "cost_ratio" || options?.threshold === "cost")
    .map(([k, v]) => [k, describe(v)]);
}

function describe(v: unknown): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => `${k}: ${Array.isArray(x) ? x.join(", ") : fmtValue(x)}`)
      .join(" · ");
  }
  return fmtValue(v);
}

function SelectionBlock({ fs }: { fs: FeatureSelection }) {
  const scores = fs.scores ?? {};
  const kept = new Set(fs.selected);
  const bars = Object.entries(scores)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => ({ name, value, muted: !kept.has(name) }));
  return (
    <div data-testid="feature-selection">
      <SubHead>
        Feature selection · <span className="mono">{fs.method}</span>
        {fs.params && Object.keys(fs.params).length > 0 && <span className="muted small"> ({describe(fs.params)})</span>}
      </SubHead>
      <p className="small">
        <strong>{fs.selected.length}</strong> kept, <strong>{fs.dropped.length}</strong> dropped
      </p>
      <div className="tags">
        {fs.selected.map((c) => (
          <span key={c} className="tag tag-ok mono">
            {c}
          </span>
        ))}
        {fs.dropped.map((c) => (
          <span key={c} className="tag tag-dropped mono" title="dropped">
            {c}
          </span>
        ))}
      </div>
      {bars.length > 0 && <BarList bars={bars} testId="selection-scores" />}
    </div>
  );
}

function ImbalanceBlock({ im }: { im: Imbalance }) {
  const before = im.counts_before ?? {};
  const after = im.counts_after ?? {};
  const labels = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return (
    <div data-testid="imbalance">
      <SubHead>Class balance</SubHead>
      <KeyValues rows={[["Class weight", im.class_weight ?? "none"], ["Resampling", im.resampling ?? "none"]]} />
      {labels.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>Class</th>
              <th className="num">Rows before</th>
              <th className="num">Rows after</th>
            </tr>
          </thead>
          <tbody>
            {labels.map((l) => (
              <tr key={l} data-testid={`imbalance-${l}`}>
                <th className="mono">{l}</th>
                <td className="num">{before[l] ?? "—"}</td>
                <td className="num strong">{after[l] ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ThresholdBlock({ t, tuned }: { t: ThresholdInfo; tuned: Record<string, number> }) {
  const names = Object.keys(t.default_metrics ?? {});
  return (
    <div data-testid="threshold-block">
      <SubHead>Decision threshold</SubHead>
      <KeyValues
        rows={[
          ["Threshold", <span className="strong" data-testid="threshold-value" data-value={t.value}>{fmtMetric(t.value)}</span>],
          ["Objective", t.objective === "cost" ? `minimise cost (false negative = ${fmtValue(t.cost_ratio ?? 1)} × false positive)` : "maximise F1"],
          ...(t.score != null ? ([["Objective value", fmtMetric(t.score)]] as [string, string][]) : []),
          ...(t.chosen_on ? ([["Chosen on", t.chosen_on.replace(/_/g, " ") + " predictions"]] as [string, string][]) : []),
        ]}
      />
      {names.length > 0 && (
        <table className="table compact" data-testid="threshold-metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">At 0.5</th>
              <th className="num">At {fmtMetric(t.value)}</th>
            </tr>
          </thead>
          <tbody>
            {names.map((m) => (
              <tr key={m}>
                <th className="mono">{m}</th>
                <td className="num">{fmtMetric(t.default_metrics?.[m])}</td>
                <td className="num strong">{fmtMetric(tuned[m])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function OptionsUsed({ run, details }: { run: Run; details: Details }) {
  const set = nonDefaultOptions(run.options);
  const { feature_selection: fs, imbalance: im, threshold: th, groups } = details;
  if (!set.length && !fs && !im && !th && !groups) return null;
  return (
    <Card title="Options used" testId="options-used">
      <div className="option-blocks">
        <div>
          <SubHead>Training options</SubHead>
          {set.length ? <KeyValues rows={set} /> : <p className="muted">All defaults.</p>}
          {groups && (
            <p data-testid="groups">
              Grouped k-fold on <span className="mono">{groups.column}</span>: {groups.n_groups} groups, rows of one group never split across folds.
            </p>
          )}
        </div>
        {th && <ThresholdBlock t={th} tuned={run.metrics} />}
        {im && <ImbalanceBlock im={im} />}
        {fs && <SelectionBlock fs={fs} />}
      </div>
    </Card>
  );
}
