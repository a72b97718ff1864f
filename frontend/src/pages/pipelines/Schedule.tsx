// Schedule form: cron + timezone + variables ({{ds}}, {{ts}}) + outputs + alerts (webhook, e-mails).
import { useState } from "react";
import { errorText, fmtDate } from "../../ui";
import { deleteSchedule, putSchedule, type ScheduleSpec } from "./api";
import { OutputsEditor } from "./FullRun";

const CRON_FIELDS = ["minute", "hour", "day of month", "month", "day of week"];

/** Five whitespace-separated fields; the server checks each field's range. */
function cronProblem(cron: string): string | null {
  const parts = cron.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return `A cron expression has 5 fields (${CRON_FIELDS.join(", ")}); got ${parts.length}.`;
  return null;
}

export function ScheduleForm({ pipeline, schedule, ports, onSaved }: {
  pipeline: string;
  schedule: ScheduleSpec | null;
  ports: string[];
  onSaved: (s: ScheduleSpec | null) => void;
}) {
  const [cron, setCron] = useState(schedule?.cron ?? "0 2 * * *");
  const [timezone, setTimezone] = useState(schedule?.timezone ?? "UTC");
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [vars, setVars] = useState<[string, string][]>(Object.entries(schedule?.variables ?? {}));
  const [outputs, setOutputs] = useState<[string, string][]>(Object.entries(schedule?.outputs ?? {}).length ? Object.entries(schedule?.outputs ?? {}) : [["", ""]]);
  const [webhook, setWebhook] = useState(schedule?.alerts?.webhook_url ?? "");
  const [emails, setEmails] = useState((schedule?.alerts?.email ?? []).join(", "));
  const [onSuccess, setOnSuccess] = useState(schedule?.alerts?.on?.includes("success") ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const problem = cronProblem(cron);

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    const email = emails.split(/[,\s]+/).map((e) => e.trim()).filter(Boolean);
    const body: ScheduleSpec = {
      cron: cron.trim(),
      timezone: timezone.trim() || "UTC",
      enabled,
      variables: Object.fromEntries(vars.filter(([k]) => k.trim())),
      outputs: Object.fromEntries(outputs.filter(([r, n]) => r && n.trim()).map(([r, n]) => [r, n.trim()])),
      alerts: webhook.trim() || email.length ? { webhook_url: webhook.trim() || null, email, on: onSuccess ? ["failure", "success"] : ["failure"] } : null,
    };
    try {
      const result = await putSchedule(pipeline, body);
      onSaved(result);
      setSaved("Schedule saved.");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await deleteSchedule(pipeline);
      onSaved(null);
      setSaved("Schedule removed.");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="pl-side-form" data-testid="schedule-form">
      <label className="field">
        <span>Cron (UTC unless a timezone is set)</span>
        <input className="mono" value={cron} data-testid="schedule-cron" onChange={(e) => setCron(e.target.value)} />
        <span className="hint">{problem ?? CRON_FIELDS.join(" · ")}</span>
      </label>
      <div className="pl-two">
        <label className="field">
          <span>Timezone</span>
          <input value={timezone} data-testid="schedule-timezone" onChange={(e) => setTimezone(e.target.value)} />
        </label>
        <label className="pl-check pl-enabled">
          <input type="checkbox" checked={enabled} data-testid="schedule-enabled" onChange={(e) => setEnabled(e.target.checked)} /> enabled
        </label>
      </div>
      <div className="fieldset-title">Variables</div>
      <span className="hint">Templates: {"{{ds}}"} is the run date (YYYY-MM-DD), {"{{ts}}"} the run time.</span>
      {vars.map(([k, v], i) => (
        <div className="pl-var-row" key={i}>
          <input placeholder="name" value={k} data-testid={`schedule-var-name-${i}`} onChange={(e) => setVars(vars.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <input placeholder="{{ds}}" value={v} data-testid={`schedule-var-value-${i}`} onChange={(e) => setVars(vars.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button className="btn btn-ghost btn-sm" onClick={() => setVars(vars.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button className="btn btn-sm" data-testid="schedule-var-add" onClick={() => setVars([...vars, ["", ""]])}>
        + variable
      </button>
      <div className="fieldset-title">Outputs</div>
      <OutputsEditor ports={ports} value={outputs} onChange={setOutputs} testPrefix="schedule-output" />
      <div className="fieldset-title">Alerts</div>
      <label className="field">
        <span>Webhook URL</span>
        <input placeholder="https://hooks.example.com/loom" value={webhook} data-testid="schedule-webhook" onChange={(e) => setWebhook(e.target.value)} />
      </label>
      <label className="field">
        <span>E-mail addresses</span>
        <input placeholder="ops@example.com, me@example.com" value={emails} data-testid="schedule-emails" onChange={(e) => setEmails(e.target.value)} />
      </label>
      <div className="pl-two">
        <label className="pl-check">
          <input type="checkbox" checked disabled /> on failure
        </label>
        <label className="pl-check">
          <input type="checkbox" checked={onSuccess} data-testid="schedule-on-success" onChange={(e) => setOnSuccess(e.target.checked)} /> on success
        </label>
      </div>
      {error && <div className="alert alert-error" data-testid="schedule-error">{error}</div>}
      {saved && <div className="alert alert-ok" data-testid="schedule-saved">{saved}</div>}
      {schedule?.next_run_at && <div className="muted small">Next run: {fmtDate(schedule.next_run_at)}</div>}
      <div className="actions">
        <button className="btn btn-primary" data-testid="schedule-save" disabled={busy || problem !== null} onClick={save}>
          Save schedule
        </button>
        {schedule && (
          <button className="btn btn-danger" data-testid="schedule-remove" disabled={busy} onClick={remove}>
            Remove
          </button>
        )}
      </div>
    </div>
  );
}
