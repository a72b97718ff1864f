// The selected node's parameter form, rendered from the operator's JSON schema.
import { useEffect, useState } from "react";
import type { JsonSchema, OperatorInfo, SchemaColumn } from "./api";

/** String parameters that name one column: a picker fed by the upstream schema. */
const COLUMN_PARAMS = new Set(["column", "target", "stratify", "key"]);
/** List parameters that name columns. */
const COLUMNS_PARAMS = new Set(["columns", "group_by", "on"]);
/** Free text that is SQL. */
const SQL_PARAMS = new Set(["query", "condition"]);

interface Field {
  schema: JsonSchema;
  nullable: boolean;
}

/** Unwraps pydantic's ``anyOf: [X, {type: null}]`` into X plus a nullable flag. */
function field(schema: JsonSchema): Field {
  const members = schema.anyOf;
  if (!members) return { schema, nullable: false };
  const rest = members.filter((m) => m.type !== "null");
  const nullable = rest.length < members.length;
  if (rest.length === 1) return { schema: { ...rest[0], description: schema.description, default: schema.default }, nullable };
  return { schema: { ...schema, type: "any" }, nullable };
}

type Change = (value: unknown) => void;

function ColumnSelect({ value, columns, onChange, testId, allowNone }: {
  value: unknown;
  columns: SchemaColumn[];
  onChange: Change;
  testId: string;
  allowNone: boolean;
}) {
  const current = typeof value === "string" ? value : "";
  const names = columns.map((c) => c.name);
  if (current && !names.includes(current)) names.unshift(current);
  return (
    <select data-testid={testId} value={current} onChange={(e) => onChange(e.target.value || (allowNone ? null : ""))}>
      <option value="">{allowNone ? "— none —" : "— choose —"}</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
          {columns.find((c) => c.name === n) ? ` · ${columns.find((c) => c.name === n)!.type}` : ""}
        </option>
      ))}
    </select>
  );
}

/** Checkbox list of columns (or enum items); an empty choice on a nullable list means "default". */
function MultiPick({ value, options, onChange, testId, nullable }: {
  value: unknown;
  options: { name: string; hint?: string }[];
  onChange: Change;
  testId: string;
  nullable: boolean;
}) {
  const chosen = Array.isArray(value) ? (value as string[]) : [];
  const names = [...options.map((o) => o.name), ...chosen.filter((c) => !options.some((o) => o.name === c))];
  if (!names.length) return <div className="muted small">Connect an input and validate to list its columns.</div>;
  const toggle = (name: string) => {
    const next = chosen.includes(name) ? chosen.filter((c) => c !== name) : [...chosen, name];
    onChange(next.length || !nullable ? next : null);
  };
  return (
    <div className="pl-multi" data-testid={testId}>
      {names.map((name) => (
        <label key={name} className="pl-check">
          <input type="checkbox" data-testid={`${testId}-${name}`} checked={chosen.includes(name)} onChange={() => toggle(name)} />
          <span>{name}</span>
          <span className="muted small">{options.find((o) => o.name === name)?.hint}</span>
        </label>
      ))}
    </div>
  );
}

/** JSON text for mappings and lists of records; applied when it parses. */
function JsonField({ value, onChange, testId }: { value: unknown; onChange: Change; testId: string }) {
  const [text, setText] = useState(() => (value === undefined || value === null ? "" : JSON.stringify(value, null, 1)));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(value === undefined || value === null ? "" : JSON.stringify(value, null, 1)), [value]);
  return (
    <>
      <textarea
        className="mono"
        rows={3}
        data-testid={testId}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setBad(false);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <div className="field-error">Not valid JSON yet.</div>}
    </>
  );
}

function NumberField({ schema, value, onChange, testId, nullable }: {
  schema: JsonSchema;
  value: unknown;
  onChange: Change;
  testId: string;
  nullable: boolean;
}) {
  const step = schema.type === "integer" ? 1 : "any";
  return (
    <input
      type="number"
      data-testid={testId}
      min={schema.minimum}
      max={schema.maximum}
      step={step}
      placeholder={nullable ? "none" : undefined}
      value={value === null || value === undefined ? "" : String(value)}
      onChange={(e) => onChange(e.target.value === "" ? (nullable ? null : undefined) : Number(e.target.value))}
    />
  );
}

function Control({ name, f, value, columns, datasets, onChange, testId }: {
  name: string;
  f: Field;
  value: unknown;
  columns: SchemaColumn[];
  datasets: string[];
  onChange: Change;
  testId: string;
}) {
  const s = f.schema;
  if (name === "dataset") {
    return <ColumnSelect value={value} columns={datasets.map((d) => ({ name: d, type: "dataset" }))} onChange={onChange} testId={testId} allowNone={false} />;
  }
  if (s.enum) {
    return (
      <select data-testid={testId} value={value === null || value === undefined ? "" : String(value)} onChange={(e) => onChange(e.target.value || null)}>
        {f.nullable && <option value="">— none —</option>}
        {s.enum.map((c) => (
          <option key={String(c)} value={String(c)}>
            {String(c)}
          </option>
        ))}
      </select>
    );
  }
  if (s.type === "boolean") {
    return <input type="checkbox" data-testid={testId} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  }
  if (s.type === "integer" || s.type === "number") {
    return <NumberField schema={s} value={value} onChange={onChange} testId={testId} nullable={f.nullable} />;
  }
  if (s.type === "string" && COLUMN_PARAMS.has(name)) {
    return <ColumnSelect value={value} columns={columns} onChange={onChange} testId={testId} allowNone={f.nullable} />;
  }
  if (s.type === "string" && SQL_PARAMS.has(name)) {
    return <textarea className="mono" rows={5} data-testid={testId} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  }
  if (s.type === "array" && s.items?.type === "string" && (COLUMNS_PARAMS.has(name) || s.items.enum)) {
    const options = s.items.enum
      ? s.items.enum.map((e) => ({ name: String(e) }))
      : columns.map((c) => ({ name: c.name, hint: c.type }));
    return <MultiPick value={value} options={options} onChange={onChange} testId={testId} nullable={f.nullable} />;
  }
  if (s.type === "string") {
    return <input type="text" data-testid={testId} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} />;
  }
  if (s.type === "any" && !s.anyOf?.some((m) => m.type === "object" || m.type === "array")) {
    // A scalar of several types (impute's fill_value): numbers stay numbers.
    return (
      <input
        type="text"
        data-testid={testId}
        value={value === null || value === undefined ? "" : String(value)}
        onChange={(e) => {
          const t = e.target.value;
          onChange(t === "" ? null : t.trim() !== "" && !Number.isNaN(Number(t)) ? Number(t) : t);
        }}
      />
    );
  }
  return <JsonField value={value} onChange={onChange} testId={testId} />;
}

/** The parameter form of one node: one row per parameter, defaults shown as placeholders. */
export function ParamForm({ nodeId, info, params, columns, datasets, onChange }: {
  nodeId: string;
  info: OperatorInfo;
  params: Record<string, unknown>;
  columns: SchemaColumn[];
  datasets: string[];
  onChange: (params: Record<string, unknown>) => void;
}) {
  const props = info.params_schema.properties ?? {};
  return (
    <div className="pl-params" data-testid="param-form">
      {info.params.map((p) => {
        const f = field(props[p.name] ?? {});
        const value = p.name in params ? params[p.name] : p.default;
        const range = f.schema.minimum !== undefined || f.schema.maximum !== undefined
          ? ` [${f.schema.minimum ?? "−∞"}, ${f.schema.maximum ?? "∞"}]`
          : "";
        return (
          <div key={`${nodeId}-${p.name}`} className={`pl-param ${f.schema.type === "boolean" ? "pl-param-check" : ""}`}>
            <span className="pl-param-name">
              {p.name}
              {p.required && <span className="pl-req">*</span>}
              {range && <span className="muted small">{range}</span>}
            </span>
            <Control
              name={p.name}
              f={f}
              value={value}
              columns={columns}
              datasets={datasets}
              testId={`param-${p.name}`}
              onChange={(v) => onChange({ ...params, [p.name]: v })}
            />
            {p.description && <span className="hint">{p.description}</span>}
          </div>
        );
      })}
    </div>
  );
}
