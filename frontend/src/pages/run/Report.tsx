// The algorithm's own report (details.report), rendered by shape: known parts get their own
// renderer, everything else goes through the generic one, so nothing in a report is hidden.
import type { ReactNode } from "react";
import type { Run } from "../../api";
import { Card } from "../../ui";
import { SubHead } from "./common";
import { isNumberArray, isRecord } from "./details";
import { GenericReport } from "./GenericReport";
import { Importances, isImportanceList, KnnCurve, KScan, LogisticReport, TreeText } from "./ModelReports";
import { isOlsReport, OLS_KEYS, OlsReport } from "./OlsReport";

interface Part {
  keys: string[];
  node: ReactNode;
}

/** The known parts of a report, each with the keys it consumes. */
function knownParts(report: Record<string, unknown>, run: Run): Part[] {
  const parts: Part[] = [];
  if (isOlsReport(report)) parts.push({ keys: OLS_KEYS, node: <OlsReport report={report} /> });
  const stats = report.statistics;
  if (isRecord(stats) && "available" in stats) {
    parts.push({ keys: ["statistics"], node: <LogisticReport stats={stats} labels={run.details.labels} /> });
  }
  if (isRecord(report.k_scan) && isNumberArray(report.k_scan.k)) {
    const chosen = run.params.n_clusters;
    parts.push({
      keys: ["k_scan"],
      node: (
        <>
          <SubHead>Choosing k</SubHead>
          <KScan scan={report.k_scan} chosen={typeof chosen === "number" ? chosen : undefined} />
        </>
      ),
    });
  }
  if (Array.isArray(report.cv_curve) && report.cv_curve.length > 0 && report.cv_curve.every(isRecord)) {
    parts.push({
      keys: ["cv_curve"],
      node: (
        <>
          <SubHead>Search over k</SubHead>
          <KnnCurve curve={report.cv_curve} chosen={report.k} />
        </>
      ),
    });
  }
  return parts;
}

/** Importances and the tree text sit side by side when a model has both. */
function sideParts(report: Record<string, unknown>): Part[] {
  const parts: Part[] = [];
  if (isImportanceList(report.feature_importances)) {
    parts.push({
      keys: ["feature_importances"],
      node: (
        <div>
          <SubHead>Feature importances</SubHead>
          <Importances rows={report.feature_importances} />
        </div>
      ),
    });
  }
  if (typeof report.tree_text === "string") {
    parts.push({
      keys: ["tree_text"],
      node: (
        <div>
          <SubHead>Tree</SubHead>
          <TreeText text={report.tree_text} />
        </div>
      ),
    });
  }
  return parts;
}

export function Report({ report, run }: { report: Record<string, unknown> | undefined; run: Run }) {
  if (!report || !Object.keys(report).length) return null;
  const main = knownParts(report, run);
  const side = sideParts(report);
  const handled = [...main, ...side].flatMap((p) => p.keys);
  return (
    <Card title={`Model report · ${run.algorithm}`} testId="model-report">
      {main.map((p) => (
        <div key={p.keys[0]}>{p.node}</div>
      ))}
      {side.length > 0 && (
        <div className="grid-2 tight">
          {side.map((p) => (
            <div key={p.keys[0]}>{p.node}</div>
          ))}
        </div>
      )}
      <GenericReport report={report} skip={handled} />
    </Card>
  );
}
