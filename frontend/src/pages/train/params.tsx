// The algorithm's parameter form (rendered from its `params`) and the mapping of 422 answers to fields.
import { ApiError, type Algorithm, type AlgorithmParam } from "../../api";

export type ParamValues = Record<string, string | boolean>;

/** Form state for one parameter starts at its default, as text (null → ""). */
export function initialValues(algo: Algorithm | undefined): ParamValues {
  const out: ParamValues = {};
  for (const p of algo?.params ?? []) {
    if (p.type === "boolean" && !p.choices) out[p.name] = p.default === true;
    else out[p.name] = p.default === null || p.default === undefined ? "" : String(p.default);
  }
  return out;
}

/** Converts form text back to typed JSON values; empty nullable fields become null. */
export function toParams(algo: Algorithm, values: ParamValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of algo.params) {
    const raw = values[p.name];
    if (typeof raw === "boolean") {
      out[p.name] = raw;
      continue;
    }
    if (raw === "") {
      if (p.nullable || p.default === null) out[p.name] = null;
      continue;
    }
    if (p.choices) {
      const match = p.choices.find((c) => String(c) === raw);
      out[p.name] = match === undefined ? raw : match;
    } else if (p.type === "integer" || p.type === "number") {
      out[p.name] = Number(raw);
    } else {
      out[p.name] = raw;
    }
  }
  return out;
}

/**
 * TrainingOptions fields no algorithm uses as a param name, so an error naming one can sit next
 * to its control ("threshold" and "class_weight" are also params, so they need the "options." prefix).
 */
const OPTION_FIELDS = new Set(["group_column", "resampling", "cost_ratio", "feature_selection", "validation_curve"]);

/** Which form field a 422 answer is about, so the message can sit next to it. */
export function errorField(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const d = err.details as { parameter?: string; column?: string; errors?: { loc: unknown[] }[] };
  if (d.parameter) {
    const name = d.parameter.replace(/^options\./, "");
    const isOption = d.parameter.startsWith("options.") || OPTION_FIELDS.has(name);
    return isOption ? `options:${name.split(".")[0]}` : `param:${d.parameter}`;
  }
  if (d.column) return "target";
  const loc = d.errors?.[0]?.loc;
  if (loc && loc.length) {
    const parts = loc.filter((x) => x !== "body").map(String);
    if (parts[0] === "params" && parts[1]) return `param:${parts[1]}`;
    if (parts[0] === "options" && parts[1]) return `options:${parts[1]}`;
    return parts[0];
  }
  return undefined;
}

export function FieldError({ field, errField, message }: { field: string; errField?: string; message?: string }) {
  if (!message || field !== errField) return null;
  return (
    <div className="field-error" data-testid={`field-error-${field.replace(":", "-")}`}>
      {message}
    </div>
  );
}

export function ParamInput({ p, value, onChange }: { p: AlgorithmParam; value: string | boolean; onChange: (v: string | boolean) => void }) {
  const testId = `param-${p.name}`;
  if (p.choices) {
    return (
      <select data-testid={testId} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {(p.nullable || p.default === null) && <option value="">(none)</option>}
        {p.choices.map((c) => (
          <option key={String(c)} value={String(c)}>
            {String(c)}
          </option>
        ))}
      </select>
    );
  }
  if (p.type === "boolean") {
    return <input type="checkbox" data-testid={testId} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  }
  if (p.type === "integer" || p.type === "number") {
    return (
      <input
        type="number"
        data-testid={testId}
        value={String(value)}
        min={p.minimum ?? undefined}
        max={p.maximum ?? undefined}
        step={p.type === "integer" ? 1 : "any"}
        placeholder={p.nullable ? "none" : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return <input type="text" data-testid={testId} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
}

export function rangeText(p: AlgorithmParam): string {
  if (p.minimum == null && p.maximum == null) return "";
  return `[${p.minimum ?? "−∞"}, ${p.maximum ?? "∞"}]`;
}

