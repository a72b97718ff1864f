// Server-side state the editor follows: debounced validation of the graph, and the shown run (polled).
import { useEffect, useState } from "react";
import { errorText } from "../../ui";
import { FINAL_STATES, getRun, listRuns, validatePipeline, type PipelineRun, type PipelineSpec, type Validation, type Variable } from "./api";

/** A request error shown as one issue, so the list and the summary still have something to say. */
function failed(message: string): Validation {
  const issue = { code: "invalid_spec", severity: "error" as const, message, node: null, column: null, port: null, variable: null, details: {} };
  return { valid: false, issues: [issue], schemas: {}, canonical_json: null };
}

/**
 * Validates the spec 400 ms after it stops changing: the answer feeds the column pickers
 * (inferred schemas) and the issue marks; `now` validates at once (the Validate button).
 */
export function useValidation(spec: PipelineSpec, specJson: string, variables: Record<string, Variable>) {
  const [validation, setValidation] = useState<Validation>();
  useEffect(() => {
    if (!spec.nodes.length) return setValidation(undefined);
    const timer = window.setTimeout(() => {
      validatePipeline({ spec, variables })
        .then(setValidation)
        .catch((err) => setValidation(failed(errorText(err))));
    }, 400);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [specJson]);
  const now = async () => {
    const result = await validatePipeline({ spec, variables }).catch((err) => failed(errorText(err)));
    setValidation(result);
    return result;
  };
  return { validation, now };
}

/** The run on show (polled until it ends) and the pipeline's run history (refreshed when it does). */
export function useRuns(pipeline: string | undefined, onError: (message: string) => void) {
  const [run, setRun] = useState<PipelineRun>();
  const [history, setHistory] = useState<PipelineRun[]>([]);
  useEffect(() => {
    if (pipeline) listRuns(pipeline).then(setHistory).catch(() => undefined);
  }, [pipeline]);
  useEffect(() => {
    if (!run || FINAL_STATES.includes(run.state)) return;
    const timer = window.setTimeout(() => {
      getRun(run.id)
        .then((r) => {
          setRun(r);
          if (FINAL_STATES.includes(r.state)) listRuns(r.pipeline).then(setHistory).catch(() => undefined);
        })
        .catch((err) => onError(errorText(err)));
    }, 1000); // per-node status is saved as each node starts and ends
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run]);
  const started = (r: PipelineRun) => {
    setRun(r);
    setHistory((h) => [r, ...h.filter((x) => x.id !== r.id)]);
  };
  return { run, setRun, history, started };
}
