// "3 · Evaluation & options": holdout or (grouped) k-fold, seed, and the TrainingOptions controls.
import type { Algorithm, DatasetColumn } from "../../api";
import { Card } from "../../ui";
import { FieldError } from "./params";
import { RESAMPLING, SELECTION_METHODS, sweepableParams, type OptionsState } from "./options";

export interface ValidationState {
  mode: "cv" | "holdout";
  cvFolds: string;
  testSize: string;
  seed: string;
  experiment: string;
  runName: string;
}

interface Props {
  v: ValidationState;
  setV: (patch: Partial<ValidationState>) => void;
  o: OptionsState;
  setO: (patch: Partial<OptionsState>) => void;
  algo: Algorithm | undefined;
  columns: DatasetColumn[];
  target: string;
  tabular: boolean;
  fe: { errField?: string; message?: string };
}

function Validation({ v, setV, o, setO, columns, target, fe }: Props) {
  return (
    <>
      <div className="row">
        <label className="radio">
          <input type="radio" name="mode" data-testid="mode-cv" checked={v.mode === "cv"} onChange={() => setV({ mode: "cv" })} />{" "}
          {o.groupColumn ? "Grouped k-fold" : "Cross-validation"}
        </label>
        <label className="radio">
          <input type="radio" name="mode" data-testid="mode-holdout" checked={v.mode === "holdout"} onChange={() => setV({ mode: "holdout" })} /> Holdout
        </label>
      </div>
      <div className="row">
        {v.mode === "cv" ? (
          <label className="field">
            <span>CV folds</span>
            <input type="number" min={2} max={20} step={1} data-testid="train-cv-folds" value={v.cvFolds} onChange={(e) => setV({ cvFolds: e.target.value })} />
            <FieldError field="cv_folds" {...fe} />
          </label>
        ) : (
          <label className="field">
            <span>Test size</span>
            <input type="number" min={0.05} max={0.85} step="any" data-testid="train-test-size" value={v.testSize} onChange={(e) => setV({ testSize: e.target.value })} />
            <FieldError field="test_size" {...fe} />
          </label>
        )}
        <label className="field">
          <span>Group column</span>
          <select
            data-testid="train-group-column"
            value={o.groupColumn}
            onChange={(e) => {
              setO({ groupColumn: e.target.value });
              if (e.target.value) setV({ mode: "cv" });
            }}
          >
            <option value="">(none: rows are independent)</option>
            {columns
              .filter((c) => c.name !== target)
              .map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
          </select>
          <span className="hint">Rows sharing a value stay in one fold (grouped k-fold).</span>
          <FieldError field="options:group_column" {...fe} />
        </label>
        <label className="field">
          <span>Seed</span>
          <input type="number" min={0} step={1} data-testid="train-seed" value={v.seed} onChange={(e) => setV({ seed: e.target.value })} />
          <FieldError field="seed" {...fe} />
        </label>
        <label className="field">
          <span>Experiment</span>
          <input data-testid="train-experiment" value={v.experiment} onChange={(e) => setV({ experiment: e.target.value })} />
        </label>
        <label className="field">
          <span>Run name (optional)</span>
          <input data-testid="train-name" value={v.runName} onChange={(e) => setV({ runName: e.target.value })} />
        </label>
      </div>
    </>
  );
}

function ClassImbalance({ o, setO, fe }: Props) {
  return (
    <>
      <div className="fieldset-title">Classification</div>
      <div className="options-grid">
        <label className="field">
          <span>Class weight</span>
          <select data-testid="opt-class-weight" value={o.classWeight} onChange={(e) => setO({ classWeight: e.target.value as OptionsState["classWeight"] })}>
            <option value="">none</option>
            <option value="balanced">balanced</option>
          </select>
        </label>
        <label className="field">
          <span>Resampling (training rows only)</span>
          <select data-testid="opt-resampling" value={o.resampling} onChange={(e) => setO({ resampling: e.target.value as OptionsState["resampling"] })}>
            <option value="">none</option>
            {RESAMPLING.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <FieldError field="options:resampling" {...fe} />
        </label>
        <label className="field">
          <span>Decision threshold (binary)</span>
          <div className="inline">
            <select data-testid="opt-threshold" value={o.threshold} onChange={(e) => setO({ threshold: e.target.value as OptionsState["threshold"] })}>
              <option value="">none (0.5)</option>
              <option value="f1">maximise F1</option>
              <option value="cost">cost ratio</option>
            </select>
            {o.threshold === "cost" && (
              <input type="number" min={0} step="any" title="Cost of a false negative ÷ cost of a false positive" data-testid="opt-cost-ratio" value={o.costRatio} onChange={(e) => setO({ costRatio: e.target.value })} />
            )}
          </div>
          {o.threshold === "cost" && <span className="hint">Cost of a false negative ÷ cost of a false positive.</span>}
          <FieldError field="options:cost_ratio" {...fe} />
        </label>
      </div>
    </>
  );
}

function Features({ o, setO, algo, fe }: Props) {
  // Learning and validation curves score predictions against a target: not for clustering.
  const supervised = algo?.task !== "clustering";
  const sweep = supervised ? sweepableParams(algo) : [];
  const chosen = sweep.find((p) => p.name === o.vcParam);
  return (
    <>
      <div className="fieldset-title">Features and diagnostics</div>
      <div className="options-grid">
        <label className="check">
          <input type="checkbox" data-testid="opt-standardize" checked={o.standardize} onChange={(e) => setO({ standardize: e.target.checked })} />
          Standardize numeric features
        </label>
        {supervised && (
          <label className="check">
            <input type="checkbox" data-testid="opt-learning-curve" checked={o.learningCurve} onChange={(e) => setO({ learningCurve: e.target.checked })} />
            Learning curve
          </label>
        )}
      </div>
      <div className="options-grid">
        <label className="field">
          <span>Feature selection</span>
          <div className="inline">
            <select data-testid="opt-fs-method" value={o.fsMethod} onChange={(e) => setO({ fsMethod: e.target.value as OptionsState["fsMethod"] })}>
              <option value="">none</option>
              {SELECTION_METHODS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            {o.fsMethod === "variance" && (
              <input type="number" min={0} step="any" placeholder="threshold" data-testid="opt-fs-threshold" value={o.fsThreshold} onChange={(e) => setO({ fsThreshold: e.target.value })} />
            )}
            {o.fsMethod && o.fsMethod !== "variance" && (
              <input type="number" min={1} step={1} placeholder="k (auto)" data-testid="opt-fs-k" value={o.fsK} onChange={(e) => setO({ fsK: e.target.value })} />
            )}
          </div>
          <FieldError field="options:feature_selection" {...fe} />
        </label>
        {supervised && (
        <label className="field">
          <span>Validation curve</span>
          <div className="inline">
            <select data-testid="opt-vc-param" value={o.vcParam} onChange={(e) => setO({ vcParam: e.target.value, vcValues: "" })}>
              <option value="">none</option>
              {sweep.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
            {chosen && (
              <input
                data-testid="opt-vc-values"
                placeholder={chosen.choices ? chosen.choices.join(", ") : "e.g. 0.1, 1, 10"}
                value={o.vcValues}
                onChange={(e) => setO({ vcValues: e.target.value })}
              />
            )}
          </div>
          {chosen && <span className="hint">2–12 comma-separated values of {chosen.name}.</span>}
          <FieldError field="options:validation_curve" {...fe} />
        </label>
        )}
      </div>
    </>
  );
}

export function OptionsSection(props: Props) {
  const classification = props.algo?.task === "classification";
  return (
    <Card title="3 · Evaluation & options" testId="options-section">
      <Validation {...props} />
      {props.tabular && props.algo && (
        <>
          {classification && <ClassImbalance {...props} />}
          <Features {...props} />
        </>
      )}
    </Card>
  );
}
