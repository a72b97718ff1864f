// The OLS regression report laid out like a statistics package: model summary, coefficients,
// assumption tests with plain verdicts, influential rows, and the report's own reading.
import { KeyValues, Notice } from "../../ui";
import { isRecord } from "./details";
import { fmtNum, fmtP, Num, PCell, SubHead } from "./common";

type Row = Record<string, unknown>;
const ALPHA = 0.05;

export const isOlsReport = (r: Record<string, unknown>) => Array.isArray(r.coefficients) && ("model" in r || "inference" in r);
/** Keys this renderer shows; the rest go to the generic renderer. */
export const OLS_KEYS = ["coefficients", "model", "diagnostics", "advice", "saved", "inference", "method", "target_transform", "target_note"];

const testKey = (term: string) => term.replace(/[^A-Za-z0-9_.=-]+/g, "_");

function ModelSummary({ m, method }: { m: Row; method: unknown }) {
  const cells: [string, string, unknown, number?][] = [
    ["R²", "ols-r2", m.r2],
    ["Adjusted R²", "ols-adj-r2", m.adj_r2],
    ["F", "ols-f", m.f],
    ["Residual std. error", "ols-rse", m.residual_std_error],
    ["AIC", "ols-aic", m.aic, 2],
    ["BIC", "ols-bic", m.bic, 2],
    ["Log-likelihood", "ols-llf", m.log_likelihood, 2],
    ["Condition number", "ols-cond", m.condition_number, 2],
  ];
  return (
    <table className="table compact stats-summary" data-testid="ols-summary">
      <thead>
        <tr>
          <th>Method</th>
          <th className="num">n</th>
          <th className="num">df (model, resid.)</th>
          {cells.slice(0, 3).map(([label]) => (
            <th key={label} className="num">
              {label}
            </th>
          ))}
          <th className="num">p (F)</th>
          {cells.slice(3).map(([label]) => (
            <th key={label} className="num">
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <td className="mono">{String(method ?? "ols")}</td>
          <td className="num" data-testid="ols-n">{String(m.n ?? "—")}</td>
          <td className="num">{`${m.df_model ?? "—"}, ${m.df_resid ?? "—"}`}</td>
          {cells.slice(0, 3).map(([label, id, v, d]) => (
            <Num key={label} v={v} decimals={d} testId={id} />
          ))}
          <PCell p={m.f_p_value} testId="ols-f-p" />
          {cells.slice(3).map(([label, id, v, d]) => (
            <Num key={label} v={v} decimals={d} testId={id} />
          ))}
        </tr>
      </tbody>
      {typeof m.r2_kind === "string" && m.r2_kind !== "centered" && (
        <caption className="muted small">R² is {m.r2_kind}</caption>
      )}
    </table>
  );
}

function vifClass(v: unknown): string | undefined {
  if (typeof v !== "number") return undefined;
  return v > 10 ? "bad" : v > 5 ? "warn" : undefined;
}

export function CoefficientTable({ rows }: { rows: Row[] }) {
  const inference = rows.some((r) => "std_error" in r);
  return (
    <div className="scroll-x">
      <table className="table compact stats" data-testid="coef-table">
        <thead>
          <tr>
            <th>Term</th>
            <th className="num">B</th>
            {inference && (
              <>
                <th className="num">Std. error</th>
                <th className="num">Beta</th>
                <th className="num">t</th>
                <th className="num">p</th>
                <th className="num">CI low</th>
                <th className="num">CI high</th>
                <th className="num">VIF</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const term = String(r.term);
            const k = testKey(term);
            return (
              <tr key={term} data-testid={`coef-row-${k}`}>
                <th className="mono">
                  {term}
                  {r.reference ? <span className="muted small"> (vs {String(r.reference)})</span> : null}
                </th>
                <Num v={r.b} testId={`coef-b-${k}`} />
                {inference && (
                  <>
                    <Num v={r.std_error} />
                    <Num v={r.beta} testId={`coef-beta-${k}`} />
                    <Num v={r.t} decimals={3} />
                    <PCell p={r.p_value} testId={`coef-p-${k}`} />
                    <Num v={r.ci_low} />
                    <Num v={r.ci_high} />
                    <Num v={r.vif} decimals={2} className={vifClass(r.vif)} />
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
        {inference && <caption className="muted small">* p &lt; 0.05 · ** p &lt; 0.01 · *** p &lt; 0.001 · VIF &gt; 5 amber, &gt; 10 red</caption>}
      </table>
    </div>
  );
}

/** One assumption test per row with a plain-language verdict at α = 0.05. */
function Diagnostics({ d }: { d: Row }) {
  const norm = isRecord(d.normality) ? d.normality : {};
  const het = isRecord(d.heteroscedasticity) ? d.heteroscedasticity : {};
  const dw = typeof d.durbin_watson === "number" ? d.durbin_watson : undefined;
  const verdict = (p: unknown, ok: string, bad: string) =>
    typeof p !== "number" ? "—" : p >= ALPHA ? ok : bad;
  const rows: [string, string, unknown, unknown, string, boolean | undefined][] = [
    ["Durbin-Watson", "autocorrelation", dw, undefined,
      dw === undefined ? "—" : dw >= 1.7 && dw <= 2.3 ? "no sign of autocorrelation (1.7–2.3)" : "residuals look autocorrelated",
      dw === undefined ? undefined : dw >= 1.7 && dw <= 2.3],
    ["Jarque-Bera", "normality", norm.jarque_bera, norm.jarque_bera_p_value,
      verdict(norm.jarque_bera_p_value, "residuals consistent with normal", "residuals not normal"),
      typeof norm.jarque_bera_p_value === "number" ? norm.jarque_bera_p_value >= ALPHA : undefined],
    ["Shapiro-Wilk", "normality", norm.shapiro_wilk, norm.shapiro_wilk_p_value,
      typeof norm.shapiro_wilk_note === "string" ? norm.shapiro_wilk_note : verdict(norm.shapiro_wilk_p_value, "residuals consistent with normal", "residuals not normal"),
      typeof norm.shapiro_wilk_p_value === "number" ? norm.shapiro_wilk_p_value >= ALPHA : undefined],
    ["Breusch-Pagan", "constant variance", het.breusch_pagan, het.breusch_pagan_p_value,
      typeof het.note === "string" ? het.note : verdict(het.breusch_pagan_p_value, "variance looks constant", "heteroscedastic: spread changes with the predictors"),
      typeof het.breusch_pagan_p_value === "number" ? het.breusch_pagan_p_value >= ALPHA : undefined],
  ];
  return (
    <table className="table compact" data-testid="ols-diagnostics">
      <thead>
        <tr>
          <th>Test</th>
          <th>Checks</th>
          <th className="num">Statistic</th>
          <th className="num">p</th>
          <th>Verdict (5% level)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, checks, stat, p, text, ok]) => (
          <tr key={name} data-testid={`diag-${name.toLowerCase().replace(/[^a-z]+/g, "-")}`}>
            <th>{name}</th>
            <td className="muted">{checks}</td>
            <Num v={stat} />
            <td className="num">{fmtP(p)}</td>
            <td className={ok === undefined ? "muted" : ok ? "ok-text" : "warn-text"}>{text}</td>
          </tr>
        ))}
      </tbody>
      {typeof norm.skew === "number" && (
        <caption className="muted small">
          residual skew {fmtNum(norm.skew, 3)}, kurtosis {fmtNum(norm.kurtosis, 3)} (normal: 0 and 3)
        </caption>
      )}
    </table>
  );
}

function Influence({ inf }: { inf: Row }) {
  if (typeof inf.note === "string") return <p className="muted">{inf.note}</p>;
  const th = isRecord(inf.thresholds) ? inf.thresholds : {};
  const top = Array.isArray(inf.top_rows) ? (inf.top_rows as Row[]) : [];
  return (
    <>
      <KeyValues
        rows={[
          ["|stud. resid.| > 2", String(inf.count_studentized_over_2 ?? "—")],
          ["|stud. resid.| > 3", String(inf.count_studentized_over_3 ?? "—")],
          [`Leverage > ${fmtNum(th.leverage, 3)}`, String(inf.count_high_leverage ?? "—")],
          [`Cook's D > ${fmtNum(th.cooks_distance, 3)}`, String(inf.count_high_cooks_distance ?? "—")],
        ]}
      />
      {top.length > 0 && (
        <table className="table compact" data-testid="ols-influence">
          <thead>
            <tr>
              <th className="num">Row</th>
              <th className="num">Cook's D</th>
              <th className="num">Leverage</th>
              <th className="num">Stud. residual</th>
              <th className="num">Residual</th>
            </tr>
          </thead>
          <tbody>
            {top.map((r) => (
              <tr key={String(r.row)}>
                <td className="num mono">{String(r.row)}</td>
                <Num v={r.cooks_distance} />
                <Num v={r.leverage} />
                <Num v={r.studentized_residual} decimals={3} className={Math.abs(Number(r.studentized_residual)) > 3 ? "bad" : undefined} />
                <Num v={r.residual} decimals={2} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function OlsReport({ report }: { report: Row }) {
  const coefficients = report.coefficients as Row[];
  const inference = isRecord(report.inference) ? report.inference : undefined;
  const advice = Array.isArray(report.advice) ? (report.advice as string[]) : [];
  return (
    <div data-testid="ols-report">
      {typeof report.target_note === "string" && <Notice>{report.target_note}</Notice>}
      {isRecord(report.model) && (
        <>
          <SubHead>Model summary</SubHead>
          <div className="scroll-x">
            <ModelSummary m={report.model} method={report.method} />
          </div>
        </>
      )}
      <SubHead>Coefficients</SubHead>
      {inference && inference.available === false && <Notice>{String(inference.reason)}</Notice>}
      <CoefficientTable rows={coefficients} />
      {isRecord(report.diagnostics) && (
        <div className="grid-2 tight">
          <div>
            <SubHead>Assumption checks</SubHead>
            <Diagnostics d={report.diagnostics} />
          </div>
          {isRecord(report.diagnostics.influence) && (
            <div>
              <SubHead>Influential rows (top by Cook's distance)</SubHead>
              <Influence inf={report.diagnostics.influence} />
            </div>
          )}
        </div>
      )}
      {advice.length > 0 && (
        <>
          <SubHead>Reading</SubHead>
          <ul className="reading" data-testid="ols-reading">
            {advice.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      )}
      {isRecord(report.saved) && (
        <p className="muted small">
          Fitted values and residuals for {String(report.saved.rows)} of {String(report.saved.total_rows)} rows are stored with the run
          {report.saved.scale === "target" ? "" : ` (scale: ${String(report.saved.scale)})`}.
        </p>
      )}
    </div>
  );
}
