// Formatting and small pieces shared by the report renderers: statistics, p values, bar lists.
import type { ReactNode } from "react";

/** A statistic at fixed decimals (4 by default), so table columns line up; null → "—". */
export function fmtNum(v: unknown, decimals = 4): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 10 ** -decimals) return v.toExponential(2);
  if (Math.abs(v) >= 1e7) return v.toExponential(3);
  return v.toFixed(decimals);
}

/** p values the way a statistics package prints them: "<0.001" below one in a thousand. */
export function fmtP(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  return v < 0.001 ? "<0.001" : v.toFixed(3);
}

/** Significance stars for a p value: *** < 0.001, ** < 0.01, * < 0.05. */
export function stars(p: unknown): string {
  if (typeof p !== "number") return "";
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "";
}

/** A right-aligned numeric cell carrying the raw value in data-value (for tests and copy). */
export function Num({ v, decimals, testId, className }: { v: unknown; decimals?: number; testId?: string; className?: string }) {
  return (
    <td className={`num${className ? ` ${className}` : ""}`} data-testid={testId} data-value={typeof v === "number" ? v : undefined}>
      {fmtNum(v, decimals)}
    </td>
  );
}

export function PCell({ p, testId }: { p: unknown; testId?: string }) {
  const significant = typeof p === "number" && p < 0.05;
  return (
    <td className={`num${significant ? " strong" : ""}`} data-testid={testId} data-value={typeof p === "number" ? p : undefined}>
      {fmtP(p)}
      <span className="stars">{stars(p)}</span>
    </td>
  );
}

export interface Bar {
  name: string;
  value: number;
  muted?: boolean;
}

/** Horizontal bars scaled to the largest |value|, with the value printed at the end. */
export function BarList({ bars, testId, limit = 30, decimals = 4 }: { bars: Bar[]; testId?: string; limit?: number; decimals?: number }) {
  const shown = bars.slice(0, limit);
  const max = Math.max(1e-12, ...shown.map((b) => Math.abs(b.value)));
  return (
    <div className="bars" data-testid={testId}>
      {shown.map((b) => (
        <div key={b.name} className={`bar-row${b.muted ? " muted" : ""}`} title={`${b.name}: ${b.value}`}>
          <span className="bar-name mono">{b.name}</span>
          <span className="bar-track">
            <span className="bar-fill" style={{ width: `${(Math.abs(b.value) / max) * 100}%` }} />
          </span>
          <span className="bar-value num">{fmtNum(b.value, decimals)}</span>
        </div>
      ))}
      {bars.length > limit && <div className="muted small">… and {bars.length - limit} more</div>}
    </div>
  );
}

export function SubHead({ children }: { children: ReactNode }) {
  return <h3 className="subhead">{children}</h3>;
}
