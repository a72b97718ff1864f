// The React Flow canvas: operator nodes with typed ports, the palette, and status/issue overlays.
import { createContext, useContext, useEffect, useMemo, useState, type DragEvent } from "react";
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import { fmtDuration } from "../../ui";
import type { Issue, OperatorInfo } from "./api";
import { KINDS, kindOf, portsOf, type OpNode } from "./model";

/** A node's overlay: its run status (quick or full run) and the issues naming it. */
export interface NodeOverlay {
  status?: string;
  duration_s?: number | null;
  rows?: number | null;
  issues?: Issue[];
}

interface CanvasInfo {
  operators: Map<string, OperatorInfo>;
  overlays: Record<string, NodeOverlay>;
}

const CanvasContext = createContext<CanvasInfo>({ operators: new Map(), overlays: {} });

const DRAG_TYPE = "application/x-loom-operator";

function fmtRows(n: number | null | undefined): string {
  if (n == null) return "";
  return `${n.toLocaleString()} row${n === 1 ? "" : "s"}`;
}

/** One operator box: header, input ports on the left, outputs on the right, overlays below. */
function OpNodeView({ id, data, selected }: NodeProps<OpNode>) {
  const { operators, overlays } = useContext(CanvasContext);
  const info = operators.get(data.op);
  const { inputs, optional, outputs } = portsOf(info, data);
  const overlay = overlays[id] ?? {};
  const errors = (overlay.issues ?? []).filter((i) => i.severity === "error");
  const warnings = (overlay.issues ?? []).filter((i) => i.severity !== "error");
  const allInputs = [...inputs, ...optional];
  const rowsCount = Math.max(allInputs.length, outputs.length);
  const classes = [
    "pl-node",
    `pl-kind-${kindOf(data.op)}`,
    selected ? "selected" : "",
    errors.length ? "has-error" : warnings.length ? "has-warning" : "",
    overlay.status ? `pl-st-${overlay.status}` : "",
  ];
  return (
    <div className={classes.join(" ")} data-testid={`node-${id}`} data-op={data.op} data-status={overlay.status ?? ""} data-issues={errors.length}>
      <div className="pl-node-head">
        <span className="pl-kind-dot" />
        <span className="pl-node-id">{id}</span>
        <span className="pl-node-op">{data.op}</span>
      </div>
      <div className="pl-node-ports">
        {Array.from({ length: rowsCount }, (_, i) => {
          const inp = allInputs[i];
          const out = outputs[i];
          const isOptional = inp !== undefined && optional.includes(inp);
          return (
            <div className="pl-port-row" key={i}>
              <div className="pl-port pl-port-in">
                {inp !== undefined && (
                  <>
                    <Handle
                      type="target"
                      position={Position.Left}
                      id={inp}
                      className={`pl-handle ${inp === "fit" ? "pl-handle-fit" : isOptional ? "pl-handle-optional" : ""}`}
                      data-testid={`port-${id}-in-${inp}`}
                    />
                    <span className={`pl-port-name ${isOptional ? "optional" : ""}`}>{inp}</span>
                  </>
                )}
              </div>
              <div className="pl-port pl-port-out">
                {out !== undefined && (
                  <>
                    <span className="pl-port-name">{out}</span>
                    <Handle type="source" position={Position.Right} id={out} className="pl-handle" data-testid={`port-${id}-out-${out}`} />
                  </>
                )}
              </div>
            </div>
          );
        })}
      </div>
      {overlay.status && (
        <div className="pl-node-status">
          <span className={`badge badge-${overlay.status}`} data-testid={`node-status-${id}`}>
            {overlay.status}
          </span>
          <span className="muted" data-testid={`node-duration-${id}`}>
            {fmtDuration(overlay.duration_s)}
          </span>
          <span className="muted">{fmtRows(overlay.rows)}</span>
        </div>
      )}
      {[...errors, ...warnings].slice(0, 2).map((issue, i) => (
        <div key={i} className={`pl-node-issue ${issue.severity}`} data-testid={`node-issue-${id}`} title={issue.message}>
          {issue.message}
        </div>
      ))}
    </div>
  );
}

const NODE_TYPES = { op: OpNodeView };

/** Operators grouped by kind; drag one onto the canvas, or click it to add it. */
export function Palette({ operators, onAdd }: { operators: OperatorInfo[]; onAdd: (op: string) => void }) {
  const [filter, setFilter] = useState("");
  const groups = useMemo(() => {
    const found = operators.filter((o) => !filter || o.name.includes(filter.toLowerCase()) || o.summary.toLowerCase().includes(filter.toLowerCase()));
    const kinds = [...KINDS, "other"];
    return kinds
      .map((k) => ({ kind: k, ops: found.filter((o) => kindOf(o.name) === k) }))
      .filter((g) => g.ops.length);
  }, [operators, filter]);
  const onDragStart = (e: DragEvent<HTMLDivElement>, op: string) => {
    e.dataTransfer.setData(DRAG_TYPE, op);
    e.dataTransfer.setData("text/plain", op);
    e.dataTransfer.effectAllowed = "move";
  };
  return (
    <div className="pl-palette" data-testid="palette">
      <input className="pl-palette-filter" placeholder="Filter operators…" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="palette-filter" />
      {groups.map((g) => (
        <div key={g.kind} className="pl-palette-group" data-testid={`palette-group-${g.kind}`}>
          <div className="pl-palette-kind">{g.kind}</div>
          {g.ops.map((o) => (
            <div
              key={o.name}
              className={`pl-palette-item pl-kind-${g.kind}`}
              draggable
              onDragStart={(e) => onDragStart(e, o.name)}
              onDoubleClick={() => onAdd(o.name)}
              title={`${o.summary}\nDrag onto the canvas, or double-click to add.`}
              data-testid={`palette-${o.name}`}
            >
              <span className="pl-kind-dot" />
              <span>{o.name}</span>
              {o.in_memory && <span className="pl-flag" title="Loads (a sample of) its input into memory">mem</span>}
              {o.stateful && <span className="pl-flag" title="Fits state on the fit rows">fit</span>}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/** The flow area: controlled nodes/edges, drops from the palette, one connection per input port. */
export function Canvas(props: {
  nodes: OpNode[];
  edges: Edge[];
  operators: Map<string, OperatorInfo>;
  overlays: Record<string, NodeOverlay>;
  readOnly?: boolean;
  /** Bumped when a whole spec is loaded (import, arrange): the view refits. */
  fitKey: number;
  onNodesChange: (changes: NodeChange<OpNode>[]) => void;
  onEdgesChange: (changes: EdgeChange[]) => void;
  onConnect: (c: Connection) => void;
  onDropOp: (op: string, position: { x: number; y: number }) => void;
  onSelect: (id: string | null) => void;
}) {
  const flow = useReactFlow();
  // Fit once for a loaded pipeline; a new one keeps the drop coordinates the user sees.
  const [fitOnMount] = useState(() => props.nodes.length > 0);
  useEffect(() => {
    if (props.fitKey === 0) return;
    const timer = window.setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1, duration: 200 }), 60);
    return () => window.clearTimeout(timer);
  }, [props.fitKey, flow]);
  const context = useMemo(() => ({ operators: props.operators, overlays: props.overlays }), [props.operators, props.overlays]);
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    const op = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData("text/plain");
    if (!op || !props.operators.has(op)) return;
    e.preventDefault();
    props.onDropOp(op, flow.screenToFlowPosition({ x: e.clientX - 90, y: e.clientY - 20 }));
  };
  return (
    <CanvasContext.Provider value={context}>
      <div
        className="pl-canvas"
        data-testid="canvas"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "move";
        }}
        onDrop={onDrop}
      >
        <ReactFlow<OpNode, Edge>
          nodes={props.nodes}
          edges={props.edges}
          nodeTypes={NODE_TYPES}
          onNodesChange={props.onNodesChange}
          onEdgesChange={props.onEdgesChange}
          onConnect={props.onConnect}
          isValidConnection={(c) => c.source !== c.target}
          onNodeClick={(_, node) => props.onSelect(node.id)}
          onPaneClick={() => props.onSelect(null)}
          nodesConnectable={!props.readOnly}
          deleteKeyCode={props.readOnly ? null : ["Backspace", "Delete"]}
          defaultEdgeOptions={{ type: "smoothstep" }}
          fitView={fitOnMount}
          fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
          minZoom={0.3}
          maxZoom={1.5}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={16} size={1} color="#d9dde4" />
          <Controls showInteractive={false} orientation="horizontal" />
        </ReactFlow>
      </div>
    </CanvasContext.Provider>
  );
}
