// Model registry: model list, and a model's versions, lineage, aliases, export and the deploy action.
import { useState, type FormEvent } from "react";
import { createEndpoint, deleteAlias, getModel, listModels, request, setAlias, type Endpoint, type Model } from "../api";
import { Link } from "../router";
import { Card, Empty, ErrorBox, fmtDate, fmtMetric, Loading, mainMetric, PageHeader, useAction, useLoad } from "../ui";

type ExportFormat = "onnx" | "torchscript";
const FORMAT_LABELS: Record<ExportFormat, string> = { onnx: "ONNX", torchscript: "TorchScript" };

// The formats a version exports to, as the server says (GET …/export without format):
// empty for models that are not exportable, so no list of algorithms lives here.
const exportFormats = async (model: string, version: number): Promise<ExportFormat[]> => {
  const res = await request(`/models/${encodeURIComponent(model)}/versions/${version}/export`);
  return ((await res.json()) as { formats: ExportFormat[] }).formats;
};

function ExportCell({ model, version }: { model: string; version: number }) {
  const formats = useLoad(() => exportFormats(model, version), [model, version]);
  if (!formats.data?.length) return <span className="muted">—</span>;
  return <ExportControl model={model} version={version} formats={formats.data} />;
}

function ExportControl({ model, version, formats }: { model: string; version: number; formats: ExportFormat[] }) {
  const [format, setFormat] = useState<ExportFormat>(formats[0]);
  const { busy, error, run } = useAction();
  const download = () =>
    run(async () => {
      // The route needs the bearer header, so fetch the zip as a blob and save it.
      const res = await request(
        `/models/${encodeURIComponent(model)}/versions/${version}/export?format=${format}`,
      );
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `${model}-v${version}-${format}.zip`;
      a.click();
      URL.revokeObjectURL(url);
    });
  return (
    <span className="row" data-testid={`export-${version}`}>
      <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid={`export-format-${version}`}>
        {formats.map((f) => (
          <option key={f} value={f}>
            {FORMAT_LABELS[f]}
          </option>
        ))}
      </select>
      <button type="button" className="btn" disabled={busy} onClick={() => void download()} data-testid={`export-button-${version}`}>
        {busy ? "Exporting…" : "Export"}
      </button>
      {error && <span className="error small">{error}</span>}
    </span>
  );
}

export function Models() {
  const models = useLoad(listModels, []);
  return (
    <>
      <PageHeader title="Models" sub="Registered model versions with their lineage." />
      <Card>
        <ErrorBox error={models.error} />
        {!models.data ? (
          <Loading />
        ) : models.data.items.length === 0 ? (
          <Empty>No models yet — register one from a succeeded run.</Empty>
        ) : (
          <table className="table" data-testid="models-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Latest version</th>
                <th>Aliases</th>
                <th>Algorithm</th>
                <th className="num">Main metric</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {models.data.items.map((m) => {
                const latest = m.versions.find((v) => v.version === m.latest_version) ?? m.versions[m.versions.length - 1];
                const main = latest ? mainMetric(latest.task, latest.metrics) : undefined;
                return (
                  <tr key={m.id} data-testid={`model-row-${m.name}`}>
                    <td>
                      <Link to={`/models/${m.name}`} testId={`model-link-${m.name}`}>
                        {m.name}
                      </Link>
                    </td>
                    <td>{m.latest_version ? `v${m.latest_version}` : "—"}</td>
                    <td>
                      {Object.entries(m.aliases).map(([a, v]) => (
                        <span key={a} className="tag">
                          {a} → v{v}
                        </span>
                      ))}
                    </td>
                    <td className="mono">{latest?.algorithm ?? "—"}</td>
                    <td className="num">{main ? <>{fmtMetric(main[1])} <span className="muted small">{main[0]}</span></> : "—"}</td>
                    <td>{fmtDate(m.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function AliasForm({ model, onChange }: { model: Model; onChange: () => void }) {
  const [alias, setAliasName] = useState("production");
  const [version, setVersion] = useState(String(model.latest_version ?? 1));
  const { error, run: act } = useAction();
  const run = (action: () => Promise<unknown>) =>
    act(async () => {
      await action();
      onChange();
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => setAlias(model.name, alias.trim(), Number(version)));
  };
  return (
    <>
      <table className="table compact" data-testid="aliases-table">
        <tbody>
          {Object.entries(model.aliases).length === 0 && (
            <tr>
              <td className="muted">No aliases.</td>
            </tr>
          )}
          {Object.entries(model.aliases).map(([a, v]) => (
            <tr key={a}>
              <th>
                <span className="tag">{a}</span>
              </th>
              <td data-testid={`alias-${a}`}>v{v}</td>
              <td className="right">
                <button className="btn btn-ghost btn-sm" data-testid={`alias-delete-${a}`} onClick={() => void run(() => deleteAlias(model.name, a))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="row" onSubmit={submit} data-testid="alias-form">
        <label className="field">
          <span>Alias</span>
          <input required data-testid="alias-name" value={alias} onChange={(e) => setAliasName(e.target.value)} />
        </label>
        <label className="field">
          <span>Version</span>
          <select data-testid="alias-version" value={version} onChange={(e) => setVersion(e.target.value)}>
            {model.versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <button className="btn" type="submit" data-testid="alias-submit">
            Set alias
          </button>
        </div>
      </form>
      <ErrorBox error={error} testId="alias-error" />
    </>
  );
}

function DeployForm({ model }: { model: Model }) {
  const [name, setName] = useState(`${model.name}-ep`);
  const [target, setTarget] = useState(model.latest_version ? `v:${model.latest_version}` : "");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<Endpoint>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const [kind, value] = target.split(/:(.*)/s);
    const endpoint = await run(() =>
      createEndpoint({
        name: name.trim(),
        model: model.name,
        ...(kind === "v" ? { version: Number(value) } : kind === "a" ? { alias: value } : {}),
      }),
    );
    if (endpoint) setDone(endpoint);
  };
  return (
    <form className="form" onSubmit={submit} data-testid="deploy-form">
      <div className="row">
        <label className="field grow">
          <span>Endpoint name</span>
          <input required data-testid="deploy-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Serve</span>
          <select data-testid="deploy-version" value={target} onChange={(e) => setTarget(e.target.value)}>
            {model.versions.map((v) => (
              <option key={v.version} value={`v:${v.version}`}>
                version {v.version}
              </option>
            ))}
            {Object.keys(model.aliases).map((a) => (
              <option key={a} value={`a:${a}`}>
                alias {a}
              </option>
            ))}
          </select>
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid="deploy-submit">
            Deploy
          </button>
        </div>
      </div>
      <ErrorBox error={error} testId="deploy-error" />
      {done && (
        <div className="alert alert-ok" data-testid="deploy-done">
          Endpoint{" "}
          <Link to={`/endpoints/${done.name}`} testId="deployed-endpoint-link">
            {done.name}
          </Link>{" "}
          is {done.state}, serving v{done.model_version}.
        </div>
      )}
    </form>
  );
}

export function ModelDetail({ name }: { name: string }) {
  const model = useLoad(() => getModel(name), [name]);
  if (model.error && !model.data) return <ErrorBox error={model.error} />;
  if (!model.data) return <Loading what="model" />;
  const m = model.data;
  const metricNames = [...new Set(m.versions.flatMap((v) => Object.keys(v.metrics)))];
  return (
    <>
      <PageHeader title={m.name} sub={m.description || <span className="mono">{m.id}</span>} />
      <Card title="Versions">
        <div className="scroll-x">
          <table className="table compact" data-testid="model-versions-table">
            <thead>
              <tr>
                <th>Version</th>
                <th>Aliases</th>
                <th>Algorithm</th>
                <th>Run</th>
                <th>Dataset</th>
                {/* Before the metrics: a model reports up to ~15, which pushed it off-screen. */}
                <th>Export</th>
                {metricNames.map((n) => (
                  <th key={n} className="num mono">
                    {n}
                  </th>
                ))}
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {[...m.versions].reverse().map((v) => (
                <tr key={v.version} data-testid={`model-version-${v.version}`}>
                  <td>v{v.version}</td>
                  <td>
                    {v.aliases.map((a) => (
                      <span key={a} className="tag">
                        {a}
                      </span>
                    ))}
                  </td>
                  <td className="mono">{v.algorithm}</td>
                  <td>
                    <Link to={`/runs/${v.run_id}`} className="mono" testId={`lineage-run-${v.version}`}>
                      {v.run_id}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/datasets/${v.dataset_id}`}>{v.dataset_id}</Link> <span className="muted">v{v.dataset_version}</span>
                  </td>
                  <td>
                    <ExportCell model={m.name} version={v.version} />
                  </td>
                  {metricNames.map((n) => (
                    <td key={n} className="num" data-testid={`version-${v.version}-metric-${n}`}>
                      {fmtMetric(v.metrics[n])}
                    </td>
                  ))}
                  <td>{fmtDate(v.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <div className="grid-2">
        <Card title="Aliases">
          <AliasForm model={m} onChange={model.reload} />
        </Card>
        <Card title="Deploy to an endpoint">
          <DeployForm model={m} />
        </Card>
      </div>
    </>
  );
}
