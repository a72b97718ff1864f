// A small dependency-free SVG chart: lines (with optional ±std bands), scatter points,
// axes with "nice" ticks, a legend, markers and hover titles. Enough for ROC/PR/learning curves.
import { useId, type ReactNode } from "react";

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

export interface Series {
  name: string;
  x: number[];
  y: (number | null)[];
  color?: string;
  /** A shaded band around the line, e.g. mean ± one standard deviation. */
  band?: { low: number[]; high: number[] };
  dashed?: boolean;
  /** Points only (no line): residual plots. */
  scatter?: boolean;
}

export interface Marker {
  x: number;
  label: string;
}

export interface ChartProps {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** The y = x reference line (ROC chance line, perfect calibration). */
  diagonal?: boolean;
  /** A horizontal line at y = 0 (residuals). */
  zeroLine?: boolean;
  /** Logarithmic x axis (parameter sweeps over decades, e.g. C = 0.01 … 100). */
  xLog?: boolean;
  /** Category names for x = 0, 1, 2 … (a validation curve over choices). */
  xCategories?: string[];
  markers?: Marker[];
  note?: ReactNode;
  testId?: string;
}

const W = 440;
const H = 270;
const M = { left: 54, right: 14, top: 14, bottom: 40 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** Tick positions at 1, 2 or 5 × 10^k steps covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a === 0) return "0";
  if (a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

function extent(values: number[], pad: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return [lo - d, hi + d];
  }
  if (pad) {
    const d = (hi - lo) * 0.05;
    lo -= d;
    hi += d;
  }
  return [lo, hi];
}

function domains(p: ChartProps): { x: [number, number]; y: [number, number] } {
  const xs = p.series.flatMap((s) => (p.xLog ? s.x.filter((v) => v > 0).map(Math.log10) : s.x));
  const ys = p.series.flatMap((s) => [
    ...s.y.filter((v): v is number => v !== null),
    ...(s.band ? [...s.band.low, ...s.band.high] : []),
  ]);
  if (p.zeroLine) ys.push(0);
  return { x: p.xDomain ?? extent(xs, !p.xCategories && !p.xLog), y: p.yDomain ?? extent(ys, true) };
}

/** An SVG path through the points, broken where a value is missing. */
function linePath(points: ([number, number] | null)[]): string {
  let d = "";
  let pen = false;
  for (const pt of points) {
    if (!pt) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${pt[0].toFixed(1)},${pt[1].toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function LineChart(p: ChartProps) {
  const clipId = `clip${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const dom = domains(p);
  const fx = (v: number) => (p.xLog ? Math.log10(v) : v);
  const sx = (v: number) => M.left + ((fx(v) - dom.x[0]) / (dom.x[1] - dom.x[0])) * PW;
  const sy = (v: number) => M.top + PH - ((v - dom.y[0]) / (dom.y[1] - dom.y[0])) * PH;
  const xTicks = p.xCategories
    ? p.xCategories.map((_, i) => i)
    : p.xLog
      ? niceTicks(Math.ceil(dom.x[0]), Math.floor(dom.x[1]), 5).filter(Number.isInteger).map((e) => 10 ** e)
      : niceTicks(dom.x[0], dom.x[1]);
  const yTicks = niceTicks(dom.y[0], dom.y[1]);
  const xName = (v: number) => (p.xCategories ? (p.xCategories[v] ?? String(v)) : fmtTick(v));
  const colored = p.series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length] }));
  const lo = Math.max(dom.x[0], dom.y[0]);
  const hi = Math.min(dom.x[1], dom.y[1]);
  return (
    <figure className="chart" data-testid={p.testId}>
      <figcaption className="chart-title">{p.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={p.title}>
        <defs>
          <clipPath id={clipId}>
            <rect x={M.left} y={M.top} width={PW} height={PH} />
          </clipPath>
        </defs>
        <rect x={M.left} y={M.top} width={PW} height={PH} className="chart-plot" />
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={M.left + PW} y1={sy(t)} y2={sy(t)} className="chart-grid" />
            <text x={M.left - 6} y={sy(t) + 3} textAnchor="end" className="chart-tick">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`}>
            <line x1={sx(t)} x2={sx(t)} y1={M.top + PH} y2={M.top + PH + 4} className="chart-axis" />
            <text x={sx(t)} y={M.top + PH + 15} textAnchor="middle" className="chart-tick">
              {xName(t)}
            </text>
          </g>
        ))}
        <line x1={M.left} x2={M.left + PW} y1={M.top + PH} y2={M.top + PH} className="chart-axis" />
        <line x1={M.left} x2={M.left} y1={M.top} y2={M.top + PH} className="chart-axis" />
        <text x={M.left + PW / 2} y={H - 6} textAnchor="middle" className="chart-label">
          {p.xLabel}
        </text>
        <text transform={`translate(13 ${M.top + PH / 2}) rotate(-90)`} textAnchor="middle" className="chart-label">
          {p.yLabel}
        </text>
        <g clipPath={`url(#${clipId})`}>
          {p.diagonal && hi > lo && (
            <line x1={sx(lo)} y1={sy(lo)} x2={sx(hi)} y2={sy(hi)} className="chart-ref">
              <title>y = x</title>
            </line>
          )}
          {p.zeroLine && <line x1={M.left} x2={M.left + PW} y1={sy(0)} y2={sy(0)} className="chart-ref" />}
          {colored.map((s) => (
            <SeriesShapes key={s.name} s={s} sx={sx} sy={sy} xName={xName} />
          ))}
          {p.markers?.map((m) => (
            <g key={m.label}>
              <line x1={sx(m.x)} x2={sx(m.x)} y1={M.top} y2={M.top + PH} className="chart-marker">
                <title>{m.label}</title>
              </line>
              {/* Near the right edge the label goes on the left of its line, or the clip would cut it. */}
              <text
                x={sx(m.x) > M.left + PW * 0.7 ? sx(m.x) - 4 : sx(m.x) + 4}
                y={M.top + 11}
                textAnchor={sx(m.x) > M.left + PW * 0.7 ? "end" : "start"}
                className="chart-marker-label"
              >
                {m.label}
              </text>
            </g>
          ))}
        </g>
      </svg>
      {colored.length > 1 || p.note ? (
        <div className="chart-legend">
          {colored.length > 1 &&
            colored.map((s) => (
              <span key={s.name} className="legend-item">
                <span className={`swatch${s.dashed ? " dashed" : ""}`} style={{ borderColor: s.color }} />
                {s.name}
              </span>
            ))}
          {p.note && <span className="muted">{p.note}</span>}
        </div>
      ) : null}
    </figure>
  );
}

function SeriesShapes({ s, sx, sy, xName }: {
  s: Series & { color: string };
  sx: (v: number) => number;
  sy: (v: number) => number;
  xName: (v: number) => string;
}) {
  const n = Math.min(s.x.length, s.y.length);
  const idx = Array.from({ length: n }, (_, i) => i);
  const points = idx.map((i) => (s.y[i] === null || !Number.isFinite(s.y[i]) ? null : ([sx(s.x[i]), sy(s.y[i] as number)] as [number, number])));
  const band = s.band
    ? `${linePath(idx.map((i) => [sx(s.x[i]), sy(s.band!.high[i])]))}L${[...idx]
        .reverse()
        .map((i) => `${sx(s.x[i]).toFixed(1)},${sy(s.band!.low[i]).toFixed(1)}`)
        .join("L")}Z`
    : undefined;
  const tip = (i: number) => `${s.name}: x = ${xName(s.x[i])}, y = ${fmtTick(s.y[i] as number)}`;
  return (
    <g>
      {band && <path d={band} fill={s.color} opacity={0.14} stroke="none" />}
      {!s.scatter && (
        <path d={linePath(points)} fill="none" stroke={s.color} strokeWidth={1.8} strokeDasharray={s.dashed ? "5 4" : undefined}>
          <title>{s.name}</title>
        </path>
      )}
      {points.map((pt, i) =>
        pt ? (
          <circle key={i} cx={pt[0]} cy={pt[1]} r={s.scatter ? 2.6 : 4} fill={s.color} className={s.scatter ? "chart-dot" : "chart-hit"}>
            <title>{tip(i)}</title>
          </circle>
        ) : null,
      )}
    </g>
  );
}
