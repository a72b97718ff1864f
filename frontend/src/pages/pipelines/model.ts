// The editor's model: palette kinds, canvas nodes/edges ⇄ PipelineSpec, layout and YAML text.
import type { Edge, Node } from "@xyflow/react";
import type { NodeSpec, OperatorInfo, PipelineSpec, Variable } from "./api";

export const KINDS = ["source", "relational", "preprocessing", "encoding", "text", "learned", "custom"] as const;
export type Kind = (typeof KINDS)[number] | "other";

const KIND_OF: Record<string, Kind> = {
  source: "source",
  sql: "relational",
  filter: "relational",
  select: "relational",
  drop: "relational",
  rename: "relational",
  cast: "relational",
  join: "relational",
  aggregate: "relational",
  split: "relational",
  impute: "preprocessing",
  scale: "preprocessing",
  date_parts: "preprocessing",
  resample: "preprocessing",
  encode: "encoding",
  bucketize: "encoding",
  text: "text",
  pca: "learned",
  select_features: "learned",
  python: "custom",
};

/** The palette group of an operator; new operators the UI does not know land in "other". */
export const kindOf = (op: string): Kind => KIND_OF[op] ?? "other";

/** What a canvas node carries: the spec fields minus wiring (edges hold the inputs). */
export interface OpData extends Record<string, unknown> {
  op: string;
  params: Record<string, unknown>;
  /** Input ports of variadic operators (sql), named by the user. */
  extraPorts?: string[];
}
export type OpNode = Node<OpData, "op">;

/** Ports of a node as drawn: declared inputs, optional ones (fit last), outputs. */
export function portsOf(info: OperatorInfo | undefined, data: OpData) {
  const inputs = [...(info?.inputs ?? []), ...(data.extraPorts ?? [])];
  const optional = info?.optional_inputs ?? [];
  return { inputs, optional, outputs: info?.outputs ?? ["output"] };
}

export function edgeId(target: string, port: string): string {
  return `e-${target}-${port}`;
}

/** Canvas state → the spec the server stores (inputs as ``node.port``). */
export function toSpec(name: string, variables: Record<string, Variable>, nodes: OpNode[], edges: Edge[]): PipelineSpec {
  return {
    name,
    variables,
    nodes: nodes.map((n) => {
      const inputs: Record<string, string> = {};
      for (const e of edges) {
        if (e.target === n.id && e.targetHandle) inputs[e.targetHandle] = `${e.source}.${e.sourceHandle ?? "output"}`;
      }
      return { id: n.id, op: n.data.op, params: cleanParams(n.data.params), inputs };
    }),
  };
}

/** Unset optional parameters are left out, so the server fills its own defaults. */
function cleanParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

/** Spec → canvas: nodes at saved or layered positions, one edge per input reference. */
export function fromSpec(
  spec: PipelineSpec,
  operators: Map<string, OperatorInfo>,
  saved: Record<string, { x: number; y: number }> = {},
): { nodes: OpNode[]; edges: Edge[] } {
  const auto = layout(spec.nodes);
  const nodes: OpNode[] = spec.nodes.map((n) => {
    const info = operators.get(n.op);
    const declared = new Set([...(info?.inputs ?? []), ...(info?.optional_inputs ?? [])]);
    const extraPorts = Object.keys(n.inputs).filter((p) => !declared.has(p));
    return {
      id: n.id,
      type: "op",
      position: saved[n.id] ?? auto[n.id],
      data: { op: n.op, params: { ...n.params }, extraPorts },
    };
  });
  const edges: Edge[] = [];
  for (const n of spec.nodes) {
    for (const [port, ref] of Object.entries(n.inputs)) {
      const [source, out] = splitRef(ref, spec, operators);
      edges.push({ id: edgeId(n.id, port), source, sourceHandle: out, target: n.id, targetHandle: port });
    }
  }
  return { nodes, edges };
}

function splitRef(ref: string, spec: PipelineSpec, operators: Map<string, OperatorInfo>): [string, string] {
  const at = ref.indexOf(".");
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const op = spec.nodes.find((n) => n.id === ref)?.op;
  return [ref, operators.get(op ?? "")?.outputs[0] ?? "output"];
}

const COLUMN_W = 240;
const ROW_H = 130;
/** Columns per band: a long chain wraps onto the next band instead of shrinking off screen. */
const BAND_COLUMNS = 3;

/** Longest-path layering: column = depth in the DAG, row = order within the column. */
export function layout(nodes: NodeSpec[]): Record<string, { x: number; y: number }> {
  const depth: Record<string, number> = {};
  const ids = new Set(nodes.map((n) => n.id));
  const visit = (id: string, seen: Set<string>): number => {
    if (depth[id] !== undefined) return depth[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    const node = nodes.find((n) => n.id === id);
    const parents = Object.values(node?.inputs ?? {})
      .map((r) => r.split(".")[0])
      .filter((p) => ids.has(p));
    depth[id] = parents.length ? Math.max(...parents.map((p) => visit(p, seen) + 1)) : 0;
    return depth[id];
  };
  const layers: Record<number, string[]> = {};
  for (const n of nodes) (layers[visit(n.id, new Set())] ??= []).push(n.id);
  const out: Record<string, { x: number; y: number }> = {};
  let bandTop = 40;
  const maxDepth = Math.max(0, ...Object.keys(layers).map(Number));
  for (let band = 0; band * BAND_COLUMNS <= maxDepth; band += 1) {
    let tallest = 1;
    for (let c = 0; c < BAND_COLUMNS; c += 1) {
      const d = band * BAND_COLUMNS + c;
      const layer = layers[d] ?? [];
      tallest = Math.max(tallest, layer.length);
      // Later bands shift right by half a column so the wrapping edge reads as a continuation.
      const x = 40 + c * COLUMN_W + (band % 2) * (COLUMN_W / 2);
      layer.forEach((id, r) => (out[id] = { x, y: bandTop + r * ROW_H }));
    }
    bandTop += tallest * ROW_H + 60;
  }
  return out;
}

/** A fresh node id from the operator name: impute, impute_2, … */
export function freshId(op: string, taken: Set<string>): string {
  if (!taken.has(op)) return op;
  let i = 2;
  while (taken.has(`${op}_${i}`)) i += 1;
  return `${op}_${i}`;
}

/** Parses a variable's text: booleans and numbers keep their type, the rest stays text. */
export function parseVariable(text: string): Variable {
  if (text === "true" || text === "false") return text === "true";
  if (text.trim() !== "" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_ .\-/]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = String(value);
  if (text.includes("\n")) {
    const pad = `${indent}  `;
    return `|-\n${text.split("\n").map((l) => (l ? pad + l : "")).join("\n")}`;
  }
  if (PLAIN.test(text) && !RESERVED.test(text) && !text.endsWith(" ")) return text;
  return JSON.stringify(text);
}

const KEY_ORDER = ["name", "description", "variables", "nodes", "id", "op", "inputs", "params"];

/** The spec with keys in reading order (name, variables, nodes; id, op, inputs, params). */
export function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  entries.sort(([a], [b]) => rank(a) - rank(b));
  const isSpecLevel = entries.some(([k]) => k === "nodes" || k === "op");
  return Object.fromEntries(entries.map(([k, v]) => [k, isSpecLevel && k !== "params" ? readable(v) : v]));
}

/** Block-style YAML for JSON data (the canonical spec), readable and round-trippable. */
export function toYaml(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return value
      .map((item) => {
        const body = toYaml(item, `${indent}  `);
        const nested = isBlock(item);
        return `${indent}- ${nested ? body.trimStart() : body}`;
      })
      .join("\n");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) return "{}";
    return entries
      .map(([k, v]) => {
        const key = `${indent}${scalar(k, indent)}:`;
        if (isBlock(v)) return `${key}\n${toYaml(v, `${indent}  `)}`;
        return `${key} ${typeof v === "object" && v !== null ? toYaml(v) : scalar(v, indent)}`;
      })
      .join("\n");
  }
  return scalar(value, indent);
}

function isBlock(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && typeof v === "object" && Object.keys(v as object).length > 0;
}
