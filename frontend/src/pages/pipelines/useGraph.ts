// The editor's graph state: canvas nodes/edges, variables, and the edits the panels make to them.
import { useCallback, useMemo, useState } from "react";
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type Edge, type EdgeChange, type NodeChange } from "@xyflow/react";
import type { OperatorInfo, PipelineSpec, Variable } from "./api";
import { edgeId, freshId, fromSpec, toSpec, type OpNode } from "./model";

const LAYOUT_KEY = "loom.pipeline.layout.";

export function savedLayout(name: string): Record<string, { x: number; y: number }> {
  try {
    return JSON.parse(localStorage.getItem(LAYOUT_KEY + name) ?? "{}") as Record<string, { x: number; y: number }>;
  } catch {
    return {};
  }
}

export function saveLayout(name: string, nodes: OpNode[]): void {
  localStorage.setItem(LAYOUT_KEY + name, JSON.stringify(Object.fromEntries(nodes.map((n) => [n.id, n.position]))));
}

export function useGraph(name: string, operators: Map<string, OperatorInfo>) {
  const [nodes, setNodes] = useState<OpNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const [variables, setVariables] = useState<Record<string, Variable>>({});
  const [selected, setSelected] = useState<string | null>(null);

  const spec: PipelineSpec = useMemo(() => toSpec(name || "untitled", variables, nodes, edges), [name, variables, nodes, edges]);
  const specJson = useMemo(() => JSON.stringify(spec), [spec]);

  const load = useCallback(
    (s: PipelineSpec, layoutName?: string) => {
      const g = fromSpec(s, operators, layoutName ? savedLayout(layoutName) : {});
      setNodes(g.nodes);
      setEdges(g.edges);
      setVariables({ ...s.variables });
      setSelected(null);
    },
    [operators],
  );

  const onNodesChange = useCallback((changes: NodeChange<OpNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    for (const c of changes) if (c.type === "remove") setEdges((es) => es.filter((e) => e.source !== c.id && e.target !== c.id));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  /** One edge per input port: a new connection replaces the port's old one. */
  const onConnect = useCallback((c: Connection) => {
    if (!c.targetHandle) return;
    setEdges((es) =>
      addEdge(
        { ...c, id: edgeId(c.target, c.targetHandle!), className: c.targetHandle === "fit" ? "pl-edge-fit" : undefined },
        es.filter((e) => !(e.target === c.target && e.targetHandle === c.targetHandle)),
      ),
    );
  }, []);

  const addNode = useCallback(
    (op: string, position?: { x: number; y: number }) => {
      const id = freshId(op, new Set(nodes.map((n) => n.id)));
      const maxX = nodes.length ? Math.max(...nodes.map((n) => n.position.x)) : -210;
      const at = position ?? { x: maxX + 250, y: 60 + (nodes.length % 3) * 40 };
      const node: OpNode = { id, type: "op", position: at, selected: true, data: { op, params: {}, extraPorts: [] } };
      setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), node]);
      setSelected(id);
    },
    [nodes],
  );

  const setParams = useCallback((id: string, params: Record<string, unknown>) => {
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, params } } : n)));
  }, []);

  const setPorts = useCallback((id: string, ports: string[]) => {
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, extraPorts: ports } } : n)));
    setEdges((es) => es.filter((e) => e.target !== id || ports.includes(e.targetHandle ?? "") || !isExtra(e, ports, id, nodes, operators)));
  }, [nodes, operators]);

  /** Renames a node and rewires its edges; returns an error text or null. */
  const rename = useCallback(
    (id: string, next: string): string | null => {
      if (nodes.some((n) => n.id === next)) return `A node called “${next}” exists.`;
      setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, id: next } : n)));
      setEdges((es) =>
        es.map((e) => {
          const source = e.source === id ? next : e.source;
          const target = e.target === id ? next : e.target;
          return { ...e, source, target, id: edgeId(target, e.targetHandle ?? "input") };
        }),
      );
      setSelected(next);
      return null;
    },
    [nodes],
  );

  const remove = useCallback((id: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== id));
    setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
    setSelected(null);
  }, []);

  return {
    nodes, edges, variables, setVariables, selected, setSelected, spec, specJson,
    load, onNodesChange, onEdgesChange, onConnect, addNode, setParams, setPorts, rename, remove,
  };
}

function isExtra(e: Edge, ports: string[], id: string, nodes: OpNode[], operators: Map<string, OperatorInfo>): boolean {
  const node = nodes.find((n) => n.id === id);
  const info = operators.get(node?.data.op ?? "");
  const declared = new Set([...(info?.inputs ?? []), ...(info?.optional_inputs ?? [])]);
  return !declared.has(e.targetHandle ?? "") && !ports.includes(e.targetHandle ?? "");
}
