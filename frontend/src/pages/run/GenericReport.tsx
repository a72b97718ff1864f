// Shape-driven rendering for report data nobody wrote a renderer for, so no report is ever hidden:
// a list of flat objects → table; a map of scalars → key/value table; a string → <pre>.
import { fmtValue } from "../../ui";
import { isRecord } from "./details";
import { SubHead } from "./common";

const MAX_ROWS = 100;
const MAX_INLINE = 30;

type Scalar = string | number | boolean | null | undefined;
const isScalar = (v: unknown): v is Scalar => v === null || v === undefined || ["string", "number", "boolean"].includes(typeof v);
const isFlat = (v: unknown): v is Record<string, Scalar> => isRecord(v) && Object.values(v).every(isScalar);

export const humanize = (key: string) => key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

function ScalarText({ v }: { v: Scalar }) {
  if (typeof v === "string" && (v.includes("\n") || v.length > 160)) return <pre className="code">{v}</pre>;
  return <>{fmtValue(v)}</>;
}

function RecordsTable({ rows }: { rows: Record<string, Scalar>[] }) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="scroll-x">
      <table className="table compact">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} className={rows.some((r) => typeof r[c] === "number") ? "num" : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, MAX_ROWS).map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} className={typeof r[c] === "number" ? "num" : undefined}>
                  <ScalarText v={r[c]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {rows.length > MAX_ROWS && <caption className="muted small">first {MAX_ROWS} of {rows.length} rows</caption>}
      </table>
    </div>
  );
}

/** Any JSON value, rendered by its shape. */
export function GenericValue({ value }: { value: unknown }) {
  if (isScalar(value)) return <ScalarText v={value} />;
  if (Array.isArray(value)) {
    if (!value.length) return <span className="muted">none</span>;
    if (value.every(isScalar)) {
      const shown = value.slice(0, MAX_INLINE).map((v) => fmtValue(v)).join(", ");
      return (
        <span className="mono wrap">
          {shown}
          {value.length > MAX_INLINE && <span className="muted"> … ({value.length} values)</span>}
        </span>
      );
    }
    if (value.every(isFlat)) return <RecordsTable rows={value} />;
    return (
      <ol className="generic-list">
        {value.slice(0, MAX_ROWS).map((v, i) => (
          <li key={i}>
            <GenericValue value={v} />
          </li>
        ))}
      </ol>
    );
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (!entries.length) return <span className="muted">none</span>;
    return (
      <table className="table compact kv-table">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th className="mono">{k}</th>
              <td className={typeof v === "number" ? "num" : "wrap"}>
                <GenericValue value={v} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <>{String(value)}</>;
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || (Array.isArray(v) && !v.length) || (isRecord(v) && !Object.keys(v).length);

/** Top-level keys of a report: scalars together in one table, each structured key under its own heading. */
export function GenericReport({ report, skip = [] }: { report: Record<string, unknown>; skip?: string[] }) {
  const entries = Object.entries(report).filter(([k, v]) => !skip.includes(k) && !isEmpty(v));
  if (!entries.length) return null;
  const scalars = entries.filter(([, v]) => isScalar(v) && !(typeof v === "string" && v.includes("\n")));
  const scalarKeys = new Set(scalars.map(([k]) => k));
  const nested = entries.filter(([k]) => !scalarKeys.has(k));
  return (
    <div className="generic-report" data-testid="generic-report">
      {scalars.length > 0 && <GenericValue value={Object.fromEntries(scalars)} />}
      {nested.map(([k, v]) => (
        <div key={k} data-testid={`report-${k}`}>
          <SubHead>{humanize(k)}</SubHead>
          <GenericValue value={v} />
        </div>
      ))}
    </div>
  );
}
