// The design side panel: the selected node (id, ports, parameters) or, with none selected, the variables.
import { useEffect, useState } from "react";
import type { Edge } from "@xyflow/react";
import type { Issue, OperatorInfo, SchemaColumn, Variable } from "./api";
import { ParamForm } from "./ParamForm";
import { parseVariable, type OpNode } from "./model";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Key/value rows; values keep booleans and numbers typed. */
export function VariablesEditor({ value, onChange, testPrefix = "var" }: {
  value: Record<string, Variable>;
  onChange: (v: Record<string, Variable>) => void;
  testPrefix?: string;
}) {
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(value).map(([k, v]) => [k, String(v)]));
  const keyOf = JSON.stringify(value);
  useEffect(() => {
    const current = Object.fromEntries(rows.filter(([k]) => k).map(([k, v]) => [k, parseVariable(v)]));
    if (JSON.stringify(current) !== keyOf) setRows(Object.entries(value).map(([k, v]) => [k, String(v)]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keyOf]);
  const commit = (next: [string, string][]) => {
    setRows(next);
    onChange(Object.fromEntries(next.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), parseVariable(v)])));
  };
  return (
    <div className="pl-vars" data-testid={`${testPrefix}-editor`}>
      {rows.map(([k, v], i) => (
        <div className="pl-var-row" key={i}>
          <input placeholder="name" value={k} data-testid={`${testPrefix}-name-${i}`} onChange={(e) => commit(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <input placeholder="value" value={v} data-testid={`${testPrefix}-value-${i}`} onChange={(e) => commit(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button className="btn btn-ghost btn-sm" title="Remove" onClick={() => commit(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button className="btn btn-sm" data-testid={`${testPrefix}-add`} onClick={() => setRows([...rows, ["", ""]])}>
        + variable
      </button>
    </div>
  );
}

/** Columns reaching a node: the inferred schemas of whatever feeds its input ports. */
export function upstreamColumns(nodeId: string, edges: Edge[], schemas: Record<string, Record<string, SchemaColumn[]>>): SchemaColumn[] {
  const seen = new Map<string, SchemaColumn>();
  for (const e of edges) {
    if (e.target !== nodeId || e.targetHandle === "fit") continue;
    for (const c of schemas[e.source]?.[e.sourceHandle ?? "output"] ?? []) if (!seen.has(c.name)) seen.set(c.name, c);
  }
  return [...seen.values()];
}

function NodeId({ id, onRename }: { id: string; onRename: (next: string) => string | null }) {
  const [text, setText] = useState(id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(id), [id]);
  const commit = () => {
    if (text === id) return;
    if (!IDENTIFIER.test(text)) return setError("Letters, digits and _; not starting with a digit.");
    setError(onRename(text));
  };
  return (
    <label className="field">
      <span>Node id</span>
      <input data-testid="node-id-input" value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === "Enter" && commit()} />
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

/** Port names a variadic operator (sql) reads as table names. */
function ExtraPorts({ ports, onChange }: { ports: string[]; onChange: (p: string[]) => void }) {
  const [name, setName] = useState("");
  return (
    <div className="field">
      <span>Input tables (ports)</span>
      <div className="tags">
        {ports.map((p) => (
          <span className="tag" key={p}>
            {p}{" "}
            <button className="linklike" onClick={() => onChange(ports.filter((x) => x !== p))}>
              ✕
            </button>
          </span>
        ))}
      </div>
      <div className="pl-var-row">
        <input placeholder="table name" value={name} data-testid="extra-port-name" onChange={(e) => setName(e.target.value)} />
        <button
          className="btn btn-sm"
          data-testid="extra-port-add"
          disabled={!IDENTIFIER.test(name) || ports.includes(name)}
          onClick={() => {
            onChange([...ports, name]);
            setName("");
          }}
        >
          + port
        </button>
      </div>
    </div>
  );
}

export function NodeInspector({ node, info, edges, schemas, issues, datasets, onParams, onPorts, onRename, onRemove }: {
  node: OpNode;
  info: OperatorInfo | undefined;
  edges: Edge[];
  schemas: Record<string, Record<string, SchemaColumn[]>>;
  issues: Issue[];
  datasets: string[];
  onParams: (params: Record<string, unknown>) => void;
  onPorts: (ports: string[]) => void;
  onRename: (next: string) => string | null;
  onRemove: () => void;
}) {
  const columns = upstreamColumns(node.id, edges, schemas);
  const outSchemas = schemas[node.id] ?? {};
  return (
    <div className="pl-inspector" data-testid="inspector">
      <div className="pl-inspector-head">
        <span className={`pl-kind-chip pl-kind-${info ? "" : "other"}`}>{node.data.op}</span>
        {info?.stateful && <span className="tag">fits on “fit” rows</span>}
        {info?.in_memory && <span className="tag tag-warn">in memory</span>}
      </div>
      {info && <p className="muted small pl-summary">{info.summary}</p>}
      <NodeId id={node.id} onRename={onRename} />
      {issues.map((i, k) => (
        <div key={k} className={`alert ${i.severity === "error" ? "alert-error" : "alert-warn"} small`}>
          {i.message}
        </div>
      ))}
      {info?.name === "sql" && <ExtraPorts ports={node.data.extraPorts ?? []} onChange={onPorts} />}
      {info ? (
        <ParamForm nodeId={node.id} info={info} params={node.data.params} columns={columns} datasets={datasets} onChange={onParams} />
      ) : (
        <div className="alert alert-error">Unknown operator “{node.data.op}”.</div>
      )}
      {Object.entries(outSchemas).map(([port, cols]) => (
        <details key={port} className="pl-schema">
          <summary>
            {port}: {cols.length} columns
          </summary>
          <div className="pl-schema-cols">
            {cols.map((c) => (
              <span key={c.name} className="tag" title={c.type}>
                {c.name} <span className="muted">{c.type}</span>
              </span>
            ))}
          </div>
        </details>
      ))}
      <div className="pl-inspector-foot">
        <button className="btn btn-danger btn-sm" data-testid="node-remove" onClick={onRemove}>
          Remove node
        </button>
      </div>
    </div>
  );
}
