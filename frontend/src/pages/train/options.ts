// Form state of "Evaluation & options" and its conversion to the TrainingOptions a run is created with.
// Only what the user set is sent, so the server's defaults stay the single source of truth.
import type { Algorithm, AlgorithmParam, ResamplingMethod, SelectionMethod, TrainingOptions } from "../../api";

export interface OptionsState {
  groupColumn: string;
  standardize: boolean;
  classWeight: "" | "balanced";
  resampling: "" | ResamplingMethod;
  threshold: "" | "f1" | "cost";
  costRatio: string;
  fsMethod: "" | SelectionMethod;
  fsK: string;
  fsThreshold: string;
  learningCurve: boolean;
  vcParam: string;
  vcValues: string;
}

export const EMPTY_OPTIONS: OptionsState = {
  groupColumn: "",
  standardize: false,
  classWeight: "",
  resampling: "",
  threshold: "",
  costRatio: "1",
  fsMethod: "",
  fsK: "",
  fsThreshold: "",
  learningCurve: false,
  vcParam: "",
  vcValues: "",
};

export const SELECTION_METHODS: [SelectionMethod, string][] = [
  ["variance", "Variance threshold"],
  ["chi2", "Chi² (top k)"],
  ["mutual_info", "Mutual information (top k)"],
  ["rfecv", "Recursive elimination (RFECV)"],
  ["l1", "L1-penalised model"],
  ["tree_importance", "Tree importance"],
];

export const RESAMPLING: [ResamplingMethod, string][] = [
  ["random_over", "Random oversampling"],
  ["random_under", "Random undersampling"],
  ["smote", "SMOTE"],
];

export const TEXT_TASKS = new Set(["topic_modeling", "sequence_labeling", "embedding"]);

/** Params a validation curve can sweep: numbers and choices. */
export function sweepableParams(algo: Algorithm | undefined): AlgorithmParam[] {
  return (algo?.params ?? []).filter((p) => p.choices || p.type === "integer" || p.type === "number");
}

/** Parses "0.1, 1, 10" into values of the param's type; a bad value is an error naming it. */
export function parseSweep(p: AlgorithmParam, text: string): (number | string | boolean)[] {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  return parts.map((raw) => {
    if (p.choices) {
      const match = p.choices.find((c) => String(c) === raw);
      if (match === undefined) throw new Error(`validation curve value '${raw}' is not a choice of ${p.name}: ${p.choices.join(", ")}`);
      return match as number | string | boolean;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || (p.type === "integer" && !Number.isInteger(n))) {
      throw new Error(`validation curve value '${raw}' is not ${p.type === "integer" ? "an integer" : "a number"} (${p.name})`);
    }
    return n;
  });
}

function selection(s: OptionsState): TrainingOptions["feature_selection"] | undefined {
  if (!s.fsMethod) return undefined;
  if (s.fsMethod === "variance") return { method: "variance", ...(s.fsThreshold !== "" ? { threshold: Number(s.fsThreshold) } : {}) };
  return { method: s.fsMethod, ...(s.fsK !== "" ? { k: Number(s.fsK) } : {}) };
}

/**
 * The options object for POST /runs, or undefined when nothing differs from the defaults.
 * Throws an Error with a one-line message when a validation-curve value does not parse.
 */
export function toOptions(s: OptionsState, algo: Algorithm, tabular: boolean): TrainingOptions | undefined {
  const out: TrainingOptions = {};
  if (s.groupColumn) out.group_column = s.groupColumn;
  if (tabular) {
    if (s.standardize) out.standardize = true;
    if (algo.task === "classification") {
      if (s.classWeight) out.class_weight = s.classWeight;
      if (s.resampling) out.resampling = s.resampling;
      if (s.threshold) out.threshold = s.threshold;
      if (s.threshold === "cost" && s.costRatio !== "") out.cost_ratio = Number(s.costRatio);
    }
    const fs = selection(s);
    if (fs) out.feature_selection = fs;
    const supervised = algo.task !== "clustering";
    if (s.learningCurve && supervised) out.learning_curve = true;
    const param = sweepableParams(algo).find((p) => p.name === s.vcParam);
    if (param && supervised) out.validation_curve = { param: param.name, values: parseSweep(param, s.vcValues) };
  }
  return Object.keys(out).length ? out : undefined;
}
