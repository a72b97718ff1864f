// Endpoints: list, and the detail page with input schema, try-it predictions, endpoint tokens and curl.
import { useState, type FormEvent } from "react";
import {
  deleteEndpoint,
  getEndpoint,
  issueEndpointToken,
  listEndpoints,
  predict,
  type Endpoint,
  type IssuedToken,
  type Prediction,
  type SchemaField,
} from "../api";
import { Link, navigate } from "../router";
import { Card, Empty, ErrorBox, errorText, fmtDate, fmtMetric, fmtValue, KeyValues, Loading, PageHeader, SchemaTable, StateBadge, useLoad } from "../ui";

export function Endpoints() {
  const eps = useLoad(listEndpoints, []);
  return (
    <>
      <PageHeader title="Endpoints" sub="Online prediction services backed by registered models." />
      <Card>
        <ErrorBox error={eps.error} />
        {!eps.data ? (
          <Loading />
        ) : eps.data.items.length === 0 ? (
          <Empty>No endpoints yet — deploy a model from its page.</Empty>
        ) : (
          <table className="table" data-testid="endpoints-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Model</th>
                <th>Task</th>
                <th>URL</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {eps.data.items.map((e) => (
                <tr key={e.id} data-testid={`endpoint-row-${e.name}`}>
                  <td>
                    <Link to={`/endpoints/${e.name}`} testId={`endpoint-link-${e.name}`}>
                      {e.name}
                    </Link>
                  </td>
                  <td>
                    <StateBadge state={e.state} />
                  </td>
                  <td>
                    <Link to={`/models/${e.model_name}`}>{e.model_name}</Link> v{e.model_version}
                    {e.alias && <span className="tag">{e.alias}</span>}
                  </td>
                  <td>{e.task}</td>
                  <td className="mono small">{e.url}</td>
                  <td>{fmtDate(e.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

/** Turns the text typed for one column into the JSON value the schema expects. */
function coerce(field: SchemaField, text: string): unknown {
  if (text.trim() === "") return null;
  if (field.type === "integer" || field.type === "number") {
    const n = Number(text);
    return Number.isNaN(n) ? text : n;
  }
  if (field.type === "boolean") return text === "true";
  return text;
}

function exampleRecord(schema: SchemaField[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const f of schema) {
    const cats = (f as { categories?: unknown[] }).categories;
    record[f.name] = f.type === "string" ? (cats?.[0] ?? "") : f.type === "boolean" ? false : 0;
  }
  return record;
}

function PredictionResult({ result }: { result: Prediction }) {
  const labels = result.probabilities?.[0] ? Object.keys(result.probabilities[0]) : [];
  return (
    <table className="table compact" data-testid="prediction-result">
      <thead>
        <tr>
          <th>#</th>
          <th>Prediction</th>
          {labels.map((l) => (
            <th key={l} className="num">
              P({l})
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {result.predictions.map((p, i) => (
          <tr key={i}>
            <td className="muted">{i + 1}</td>
            <td className="strong" data-testid={`prediction-${i}`}>
              {fmtValue(p)}
            </td>
            {labels.map((l) => (
              <td key={l} className="num" data-testid={`probability-${i}-${l}`}>
                {fmtMetric(result.probabilities?.[i]?.[l])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      <caption className="muted small">
        {result.model_name} v{result.model_version}
      </caption>
    </table>
  );
}

function TryIt({ ep }: { ep: Endpoint }) {
  const [mode, setMode] = useState<"form" | "json">("form");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [raw, setRaw] = useState(() => JSON.stringify([exampleRecord(ep.input_schema)], null, 2));
  const [result, setResult] = useState<Prediction>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    let records: Record<string, unknown>[];
    try {
      if (mode === "form") {
        records = [Object.fromEntries(ep.input_schema.map((f) => [f.name, coerce(f, fields[f.name] ?? "")]))];
      } else {
        const parsed: unknown = JSON.parse(raw);
        records = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
      }
    } catch (err) {
      return setError(`Invalid JSON: ${errorText(err)}`);
    }
    setBusy(true);
    try {
      setResult(await predict(ep.name, records));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} data-testid="tryit-form">
      <div className="tabs">
        <button type="button" className={mode === "form" ? "tab active" : "tab"} data-testid="tryit-mode-form" onClick={() => setMode("form")}>
          One record
        </button>
        <button type="button" className={mode === "json" ? "tab active" : "tab"} data-testid="tryit-mode-json" onClick={() => setMode("json")}>
          JSON records
        </button>
      </div>
      {mode === "form" ? (
        <div className="param-grid">
          {ep.input_schema.map((f) => {
            const cats = (f as { categories?: string[] }).categories;
            const value = fields[f.name] ?? "";
            const set = (v: string) => setFields((prev) => ({ ...prev, [f.name]: v }));
            return (
              <label key={f.name} className="field">
                <span>
                  {f.name} <span className="muted small">{f.type}</span>
                </span>
                {cats ? (
                  <select data-testid={`tryit-input-${f.name}`} value={value} onChange={(e) => set(e.target.value)}>
                    <option value="">(null)</option>
                    {cats.map((c) => (
                      <option key={c}>{c}</option>
                    ))}
                  </select>
                ) : f.type === "boolean" ? (
                  <select data-testid={`tryit-input-${f.name}`} value={value} onChange={(e) => set(e.target.value)}>
                    <option value="">(null)</option>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : (
                  <input
                    data-testid={`tryit-input-${f.name}`}
                    type={f.type === "integer" || f.type === "number" ? "number" : "text"}
                    step="any"
                    value={value}
                    onChange={(e) => set(e.target.value)}
                  />
                )}
              </label>
            );
          })}
        </div>
      ) : (
        <textarea className="mono" rows={8} data-testid="tryit-json" value={raw} onChange={(e) => setRaw(e.target.value)} />
      )}
      <div className="actions">
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="predict-submit">
          {busy ? "Predicting…" : "Predict"}
        </button>
      </div>
      <ErrorBox error={error} testId="predict-error" />
      {result && <PredictionResult result={result} />}
    </form>
  );
}

function TokenIssuer({ ep }: { ep: Endpoint }) {
  const [issued, setIssued] = useState<IssuedToken>();
  const [error, setError] = useState<string>();
  const issue = async () => {
    setError(undefined);
    try {
      setIssued(await issueEndpointToken(ep.name, `${ep.name}-token`));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const origin = window.location.origin;
  const example = JSON.stringify({ records: [exampleRecord(ep.input_schema)] });
  const curl = `curl -X POST ${origin}${ep.url} \\\n  -H "Authorization: Bearer ${issued?.token ?? "$LOOM_ENDPOINT_TOKEN"}" \\\n  -H "Content-Type: application/json" \\\n  -d '${example}'`;
  return (
    <>
      <p className="muted">An endpoint token can only call predict on this endpoint.</p>
      <button className="btn" onClick={() => void issue()} data-testid="issue-token">
        Issue endpoint token
      </button>
      <ErrorBox error={error} testId="token-error" />
      {issued && (
        <div className="alert alert-ok" data-testid="issued-token-box">
          Copy it now — it is shown only once:
          <pre className="mono token" data-testid="issued-token">
            {issued.token}
          </pre>
        </div>
      )}
      <h3>curl</h3>
      <pre className="code" data-testid="curl-example">
        {curl}
      </pre>
    </>
  );
}

export function EndpointDetail({ name }: { name: string }) {
  const ep = useLoad(() => getEndpoint(name), [name]);
  const [error, setError] = useState<string>();
  if (ep.error && !ep.data) return <ErrorBox error={ep.error} />;
  if (!ep.data) return <Loading what="endpoint" />;
  const e = ep.data;
  const remove = async () => {
    if (!window.confirm(`Delete endpoint ${e.name}?`)) return;
    try {
      await deleteEndpoint(e.name);
      navigate("/endpoints");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      <PageHeader
        title={
          <>
            {e.name} <StateBadge state={e.state} testId="endpoint-state" />
          </>
        }
        sub={<span className="mono">{e.url}</span>}
      >
        <button className="btn btn-danger" onClick={() => void remove()} data-testid="endpoint-delete">
          Delete
        </button>
      </PageHeader>
      <ErrorBox error={error} />
      <div className="grid-2">
        <Card title="Endpoint">
          <KeyValues
            rows={[
              ["Model", <Link to={`/models/${e.model_name}`}>{`${e.model_name} v${e.model_version}`}</Link>],
              ["Alias", e.alias ?? "—"],
              ["Task", e.task],
              ["Created", fmtDate(e.created_at)],
              ["Updated", fmtDate(e.updated_at)],
            ]}
          />
        </Card>
        <Card title="Input schema">
          <SchemaTable fields={e.input_schema} testId="endpoint-schema" />
        </Card>
      </div>
      <Card title="Try it">
        <TryIt ep={e} />
      </Card>
      <Card title="Call it from code">
        <TokenIssuer ep={e} />
      </Card>
    </>
  );
}
