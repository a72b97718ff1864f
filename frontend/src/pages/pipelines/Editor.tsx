// The pipeline editor: canvas + palette, node inspector, validate/save, YAML, quick run, full run, schedule.
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/base.css";
import "./pipelines.css";
import { listDatasets } from "../../api";
import { navigate } from "../../router";
import { errorText, ErrorBox, Loading, PageHeader, useAction, useLoad } from "../../ui";
import {
  createPipeline, getPipeline, listOperators, quickRun, startRun, updatePipeline,
  type OperatorInfo, type Pipeline, type PipelineResult, type QuickSample, type Variable,
} from "./api";
import { Canvas, Palette } from "./Canvas";
import { NodeInspector, VariablesEditor } from "./Inspector";
import { buildOverlays, IssueList, issuesByNode } from "./Issues";
import { QuickControls, QuickSummary } from "./QuickRun";
import { RunControls, RunHistory, RunView } from "./FullRun";
import { ScheduleForm } from "./Schedule";
import { YamlPanel } from "./YamlPanel";
import { saveLayout, useGraph } from "./useGraph";
import { useRuns, useValidation } from "./useRemote";

type Tab = "design" | "quick" | "run" | "schedule" | "yaml";
const TABS: [Tab, string][] = [["design", "Design"], ["quick", "Quick run"], ["run", "Runs"], ["schedule", "Schedule"], ["yaml", "YAML"]];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** The name of the pipeline this tab just created: its editor stays mounted as the route moves to it. */
let justCreated: string | null = null;

export function PipelineEditor({ name: routeName, tab: routeTab }: { name?: string; tab?: string }) {
  const ops = useLoad(listOperators, []);
  const operators = useMemo(() => new Map((ops.data ?? []).map((o) => [o.name, o])), [ops.data]);
  if (ops.error) return <ErrorBox error={ops.error} />;
  if (!ops.data) return <Loading what="operators" />;
  const key = routeName && routeName === justCreated ? "new" : routeName ?? "new";
  const tab = TABS.some(([t]) => t === routeTab) ? (routeTab as Tab) : "design";
  return (
    <ReactFlowProvider>
      <EditorBody key={key} routeName={routeName} initialTab={tab} operators={operators} />
    </ReactFlowProvider>
  );
}

function EditorBody({ routeName, initialTab, operators }: { routeName?: string; initialTab: Tab; operators: Map<string, OperatorInfo> }) {
  const [name, setName] = useState(routeName ?? "");
  const [pipeline, setPipeline] = useState<Pipeline | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [tab, setTab] = useState<Tab>(initialTab);
  const g = useGraph(name, operators);
  const [savedJson, setSavedJson] = useState<string | null>(null);
  const { validation, now: validateNow } = useValidation(g.spec, g.specJson, g.variables);
  const [showIssues, setShowIssues] = useState(false);
  const { busy, error, setError, run: act } = useAction();
  const [notice, setNotice] = useState<string>();
  const [quick, setQuick] = useState<PipelineResult>();
  const runs = useRuns(pipeline?.name, setError);
  const [fitKey, setFitKey] = useState(0);
  const datasets = useLoad(listDatasets, []);

  useEffect(() => {
    if (!routeName || pipeline?.name === routeName) return;
    getPipeline(routeName)
      .then((p) => {
        setPipeline(p);
        g.load(p.spec, p.name);
        if (p.last_run) runs.setRun(p.last_run);
      })
      .catch((err) => setLoadError(errorText(err)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [routeName]);
  useEffect(() => {
    if (pipeline && savedJson === null) setSavedJson(g.specJson);
  }, [pipeline, g.specJson, savedJson]);
  const dirty = pipeline === null || savedJson !== g.specJson;

  const issues = useMemo(() => validation?.issues ?? [], [validation]);
  const byNode = useMemo(() => issuesByNode(showIssues ? issues : []), [issues, showIssues]);
  const overlays = useMemo(
    () => buildOverlays(g.nodes, byNode, tab === "quick" ? { quick } : tab === "run" ? { run: runs.run } : {}),
    [g.nodes, byNode, tab, quick, runs.run],
  );
  const outputPorts = useMemo(
    () => g.nodes.flatMap((n) => (operators.get(n.data.op)?.outputs ?? []).map((p) => `${n.id}.${p}`)),
    [g.nodes, operators],
  );

  const arrange = () => {
    g.load(g.spec);
    setFitKey((k) => k + 1);
  };
  const validate = async () => {
    setShowIssues(true);
    setError(undefined);
    await validateNow();
  };

  /** POST for a new pipeline, PUT for an existing one; returns the saved pipeline or null. */
  const save = async (): Promise<Pipeline | null> => {
    if (!NAME.test(name)) {
      setError("Name the pipeline first: letters, digits, '_', '-' or '.', starting with a letter or digit.");
      return null;
    }
    setNotice(undefined);
    const saved = await act(() => (pipeline ? updatePipeline(name, { spec: g.spec }) : createPipeline({ name, spec: g.spec })));
    if (!saved) {
      setShowIssues(true);
      return null;
    }
    saveLayout(name, g.nodes);
    setPipeline(saved);
    setSavedJson(g.specJson);
    setNotice(`Saved ${saved.name} v${saved.version}.`);
    if (!routeName) {
      justCreated = saved.name;
      navigate(`/pipelines/${saved.name}`);
    }
    return saved;
  };
  const ensureSaved = async () => (dirty ? save() : pipeline);

  const runQuick = async (sample: QuickSample, variables: Record<string, Variable>) => {
    const p = await ensureSaved();
    if (!p) return;
    const result = await act(() => quickRun(p.name, { sample, variables }));
    if (result) setQuick(result);
  };
  const runFull = async (outputs: Record<string, string>, variables: Record<string, Variable>) => {
    const p = await ensureSaved();
    if (!p) return;
    const started = await act(() => startRun(p.name, { outputs, variables }));
    if (started) runs.started(started);
  };

  if (loadError) return <ErrorBox error={loadError} />;
  if (routeName && !pipeline) return <Loading what="pipeline" />;
  const selectedNode = g.nodes.find((n) => n.id === g.selected);
  const errorsCount = issues.filter((i) => i.severity === "error").length;

  let side: ReactNode;
  if (tab === "quick") side = <QuickControls busy={busy} dirty={dirty} variables={g.variables} onRun={runQuick} />;
  else if (tab === "run") side = <RunControls ports={outputPorts} variables={g.variables} busy={busy} dirty={dirty} onRun={runFull} />;
  else if (tab === "schedule")
    side = pipeline ? (
      <ScheduleForm pipeline={pipeline.name} schedule={pipeline.schedule} ports={outputPorts} onSaved={(s) => setPipeline({ ...pipeline, schedule: s })} />
    ) : (
      <div className="muted">Save the pipeline to schedule it.</div>
    );
  else if (selectedNode)
    side = (
      <NodeInspector
        node={selectedNode}
        info={operators.get(selectedNode.data.op)}
        edges={g.edges}
        schemas={validation?.schemas ?? {}}
        issues={byNode[selectedNode.id] ?? []}
        datasets={(datasets.data?.items ?? []).map((d) => d.name)}
        onParams={(p) => g.setParams(selectedNode.id, p)}
        onPorts={(p) => g.setPorts(selectedNode.id, p)}
        onRename={(next) => g.rename(selectedNode.id, next)}
        onRemove={() => g.remove(selectedNode.id)}
      />
    );
  else side = <PipelineSide variables={g.variables} onVariables={g.setVariables} />;

  return (
    <div className="pl-editor" data-testid="pipeline-editor">
      <PageHeader
        title={
          pipeline ? (
            <>
              <span data-testid="pipeline-name">{pipeline.name}</span>
              <span className="tag" data-testid="pipeline-version">
                v{pipeline.version}
              </span>
            </>
          ) : (
            "New pipeline"
          )
        }
        sub={pipeline ? `${g.nodes.length} nodes · updated ${new Date(pipeline.updated_at).toLocaleString()}` : "Build a DAG of operators; validate, save, then quick-run on a sample."}
      >
        {!pipeline && <input className="pl-name" placeholder="pipeline name" value={name} onChange={(e) => setName(e.target.value)} data-testid="pipeline-name-input" />}
        {dirty && pipeline && <span className="muted small" data-testid="unsaved">unsaved changes</span>}
        <button className="btn btn-ghost" onClick={arrange} data-testid="arrange" disabled={!g.nodes.length} title="Lay the nodes out left to right by depth">
          Arrange
        </button>
        <button className="btn" onClick={validate} data-testid="validate" disabled={!g.nodes.length}>
          Validate
        </button>
        <button className="btn btn-primary" onClick={save} data-testid="save" disabled={busy || !g.nodes.length || (!dirty && !!pipeline)}>
          Save
        </button>
      </PageHeader>
      <div className="tabs pl-tabs">
        {TABS.map(([t, label]) => (
          <button
            key={t}
            className={`tab ${tab === t ? "active" : ""}`}
            data-testid={`tab-${t}`}
            onClick={() => {
              setTab(t);
              setNotice(undefined);
            }}
          >
            {label}
          </button>
        ))}
        <span className="pl-tabs-right">
          {showIssues && validation && (
            <span className={validation.valid ? "ok-text" : "warn-text"} data-testid="validation-summary" data-valid={String(validation.valid)}>
              {validation.valid ? "✓ valid" : `${errorsCount} issue${errorsCount === 1 ? "" : "s"}`}
            </span>
          )}
        </span>
      </div>
      <ErrorBox error={error} testId="editor-error" />
      {notice && <div className="alert alert-ok" data-testid="editor-notice">{notice}</div>}
      <div className={`pl-workspace ${tab === "design" ? "with-palette" : ""}`}>
        {tab === "design" && <Palette operators={[...operators.values()]} onAdd={(op) => g.addNode(op)} />}
        <Canvas
          nodes={g.nodes}
          edges={g.edges}
          operators={operators}
          overlays={overlays}
          readOnly={tab !== "design"}
          fitKey={fitKey}
          onNodesChange={g.onNodesChange}
          onEdgesChange={g.onEdgesChange}
          onConnect={g.onConnect}
          onDropOp={(op, pos) => g.addNode(op, pos)}
          onSelect={g.setSelected}
        />
        <aside className="pl-side">{side}</aside>
      </div>
      <div className="pl-bottom">
        {tab === "design" && showIssues && <IssueList issues={issues} onPick={(id) => g.setSelected(id)} />}
        {tab === "quick" && <QuickSummary result={quick} selected={g.selected} />}
        {tab === "run" && (
          <>
            {runs.run ? <RunView run={runs.run} /> : <div className="pl-hint muted">Choose outputs and start a run.</div>}
            <div className="fieldset-title pl-gap">Run history</div>
            <RunHistory runs={runs.history} selected={runs.run?.id} onSelect={runs.setRun} />
          </>
        )}
        {tab === "yaml" && (
          <YamlPanel
            spec={g.spec}
            canonical={validation?.canonical_json ?? null}
            onImport={(s) => {
              g.load(s);
              if (!pipeline) setName(s.name);
              setTab("design");
              setFitKey((k) => k + 1);
            }}
          />
        )}
      </div>
    </div>
  );
}

/** With no node selected: the pipeline's variables and a short how-to. */
function PipelineSide({ variables, onVariables }: { variables: Record<string, Variable>; onVariables: (v: Record<string, Variable>) => void }) {
  return (
    <div className="pl-side-form">
      <div className="fieldset-title">Variables</div>
      <span className="hint">Default values of {"${name}"} placeholders in SQL and filters; runs may override them.</span>
      <VariablesEditor value={variables} onChange={onVariables} />
      <p className="muted small pl-help">
        Drag operators from the palette onto the canvas (or double-click one) and connect an output port (right) to an input
        port (left). The square, dashed port is <strong>fit</strong>: the rows a stateful operator learns from, e.g. a
        split&apos;s train. Click a node to edit its parameters; Backspace removes the selection.
      </p>
    </div>
  );
}
