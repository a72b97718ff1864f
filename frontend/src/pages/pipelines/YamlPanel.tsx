// YAML view: the canonical spec as read-only YAML, and an import box that loads YAML onto the canvas.
import { useState } from "react";
import { errorText } from "../../ui";
import { validatePipeline, type PipelineSpec } from "./api";
import { readable, toYaml } from "./model";

export function YamlPanel({ spec, canonical, onImport }: {
  spec: PipelineSpec;
  canonical: string | null;
  onImport: (spec: PipelineSpec) => void;
}) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const shown = canonical ? (JSON.parse(canonical) as PipelineSpec) : spec;
  const yaml = toYaml(readable(shown));

  const load = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await validatePipeline({ yaml: text });
      if (!result.canonical_json) {
        setError(result.issues[0]?.message ?? "The YAML is not a pipeline.");
        return;
      }
      onImport(JSON.parse(result.canonical_json) as PipelineSpec);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="pl-yaml">
      <div>
        <div className="pl-yaml-head">
          <span className="fieldset-title">{canonical ? "Canonical spec (defaults filled)" : "Spec as drawn"}</span>
          <button className="btn btn-sm" onClick={() => void navigator.clipboard?.writeText(yaml)}>
            Copy
          </button>
        </div>
        <pre className="code pl-yaml-text" data-testid="yaml-view">
          {yaml}
        </pre>
      </div>
      <div>
        <span className="fieldset-title">Import YAML</span>
        <textarea
          className="mono pl-yaml-input"
          rows={16}
          placeholder={"name: my_pipeline\nnodes:\n  - id: src\n    op: source\n    params: {dataset: penguins}"}
          value={text}
          spellCheck={false}
          data-testid="yaml-import-text"
          onChange={(e) => setText(e.target.value)}
        />
        {error && <div className="alert alert-error" data-testid="yaml-import-error">{error}</div>}
        <div className="actions">
          <button className="btn btn-primary" disabled={busy || !text.trim()} onClick={load} data-testid="yaml-import">
            Load onto canvas
          </button>
          <span className="muted small">Replaces the canvas; save to keep it.</span>
        </div>
      </div>
    </div>
  );
}
