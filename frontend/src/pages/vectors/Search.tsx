// Search box of a collection: query by stored id, a typed vector or (with an embedding model) text, with a filter, k and index knobs.
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api";
import { Card, Empty, errorText, fmtValue } from "../../ui";
import {
  searchCollection,
  usesEfSearch,
  usesNprobe,
  usesRerank,
  type Collection,
  type SearchRequest,
  type SearchResponse,
} from "./api";

/** The embedding model a fill from text recorded on the collection (then the server embeds text queries). */
export interface Embedder {
  model: string | null;
  version: number | null;
  run_id: string;
  text_field: string;
  dim: number;
}

export const embedderOf = (c: Collection): Embedder | null => (c as Collection & { embedder?: Embedder | null }).embedder ?? null;

const embedderLabel = (e: Embedder) => (e.model ? `${e.model} v${e.version}` : `run ${e.run_id}`);

export const FILTER_EXAMPLE = 'category == "shoes" and price < 100 and "sale" in tags';

/** What the search box holds: a stored id, a vector, or free text (embedded when the collection has a model). */
export type ParsedQuery =
  | { kind: "id"; id: number }
  | { kind: "vector"; vector: number[] }
  | { kind: "text"; text: string }
  | { kind: "empty" };

export function parseQuery(raw: string): ParsedQuery {
  const text = raw.trim().replace(/^\[|\]$/g, "").trim();
  if (!text) return { kind: "empty" };
  if (/^-?\d+$/.test(text)) return { kind: "id", id: Number(text) };
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length > 1 && parts.every((p) => p !== "" && Number.isFinite(Number(p)))) {
    return { kind: "vector", vector: parts.map(Number) };
  }
  return { kind: "text", text: raw.trim() };
}

/** A filter example built from the collection's own fields, so the help text is copy-pasteable. */
export function filterExample(c: Collection): string {
  const parts: string[] = [];
  for (const f of c.fields) {
    if (parts.length >= 3) break;
    if (f.type === "string") parts.push(`${f.name} == "…"`);
    else if (f.type === "int" || f.type === "float") parts.push(`${f.name} < 100`);
    else if (f.type === "tags") parts.push(`"sale" in ${f.name}`);
    else if (f.type === "bool") parts.push(f.name);
  }
  return parts.length ? parts.join(" and ") : FILTER_EXAMPLE;
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const optNum = (s: string) => (s.trim() === "" ? undefined : Number(s));

function FilterHelp({ c }: { c: Collection }) {
  return (
    <div className="hint filter-help" data-testid="vs-filter-help">
      <div>
        Syntax: <code>{FILTER_EXAMPLE}</code> · comparisons <code>== != &lt; &lt;= &gt; &gt;=</code> ·{" "}
        <code>field in [1, 2]</code> · <code>"x" in tags</code> · <code>and</code> <code>or</code> <code>not</code> and
        parentheses · rows with a null field never match a comparison.
      </div>
      {c.fields.length > 0 && (
        <div>
          Fields here: {c.fields.map((f) => `${f.name} (${f.type})`).join(", ")} — e.g. <code>{filterExample(c)}</code>
        </div>
      )}
    </div>
  );
}

function Results({ data, fields, higherIsCloser }: { data: SearchResponse; fields: string[]; higherIsCloser: boolean }) {
  const hits = data.results[0] ?? [];
  return (
    <div data-testid="vs-results">
      <div className="result-meta muted">
        <span data-testid="vs-count">{hits.length}</span> hits · strategy{" "}
        <span className="tag" data-testid="vs-strategy">{data.strategy}</span> ·{" "}
        <span data-testid="vs-took">{data.took_ms.toFixed(2)}</span> ms ·{" "}
        {higherIsCloser ? "higher distance = closer (similarity)" : "lower distance = closer (squared L2)"}
      </div>
      {hits.length === 0 ? (
        <Empty>No rows match.</Empty>
      ) : (
        <table className="table compact results-table" data-testid="vs-results-table">
          <thead>
            <tr>
              <th className="num col-rank">Rank</th>
              <th className="num col-id">Id</th>
              <th className="num col-dist">Distance</th>
              {fields.map((f) => (
                <th key={f}>{f}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {hits.map((h, i) => (
              <tr key={`${h.id}-${i}`} data-testid="vs-result-row">
                <td className="num muted" data-testid="vs-result-rank">{i + 1}</td>
                <td className="num mono" data-testid="vs-result-id">{h.id}</td>
                <td className="num mono" data-testid="vs-result-distance">{h.distance.toFixed(4)}</td>
                {fields.map((f) => (
                  <td key={f} data-testid={`vs-result-field-${f}`} data-value={JSON.stringify(h.fields[f] ?? null)}>
                    {fmtValue(h.fields[f])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function SearchCard({ c }: { c: Collection }) {
  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState("");
  const [k, setK] = useState("10");
  const [nprobe, setNprobe] = useState("");
  const [ef, setEf] = useState("");
  const [rerank, setRerank] = useState("");
  const [exact, setExact] = useState(false);
  const [chosen, setChosen] = useState<string[]>(() => c.fields.map((f) => f.name));
  const [queryError, setQueryError] = useState<string>();
  const [filterError, setFilterError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [data, setData] = useState<SearchResponse>();
  const [shownFields, setShownFields] = useState<string[]>([]);
  const factory = c.index.factory;
  const parsed = parseQuery(query);
  const textField = c.fields.find((f) => f.type === "string" && f.name === "text");
  const stringField = textField ?? c.fields.find((f) => f.type === "string");
  const embedder = embedderOf(c);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setQueryError(undefined);
    setFilterError(undefined);
    const body: SearchRequest & { text?: string[] } = { k: Number(k) || 10, fields: chosen, exact };
    if (parsed.kind === "id") body.ids = [parsed.id];
    else if (parsed.kind === "text" && embedder) body.text = [parsed.text];
    else if (parsed.kind === "vector") {
      if (parsed.vector.length !== c.dim) {
        setQueryError(`The vector has ${parsed.vector.length} numbers; this collection has dim ${c.dim}.`);
        return;
      }
      body.vectors = [parsed.vector];
    } else {
      setQueryError(
        parsed.kind === "empty"
          ? `Enter a stored id (e.g. 42)${embedder ? ", some text" : ""} or a comma-separated vector.`
          : "Free text is not embedded yet: enter an id or a vector, and match text with the filter.",
      );
      return;
    }
    if (filter.trim()) body.filter = filter.trim();
    if (usesNprobe(factory) && optNum(nprobe) !== undefined) body.nprobe = optNum(nprobe);
    if (usesEfSearch(factory) && optNum(ef) !== undefined) body.ef_search = optNum(ef);
    if (usesRerank(factory) && optNum(rerank) !== undefined) body.rerank = optNum(rerank);
    setBusy(true);
    try {
      setData(await searchCollection(c.name, body));
      setShownFields(chosen);
    } catch (err) {
      const msg = errorText(err);
      const aboutFilter = err instanceof ApiError && /filter/i.test(msg) && body.filter !== undefined;
      (aboutFilter ? setFilterError : setQueryError)(msg);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (name: string) =>
    setChosen((now) => (now.includes(name) ? now.filter((n) => n !== name) : [...now, name]));

  return (
    <Card title="Search" testId="vs-card">
      <form className="form" onSubmit={submit} data-testid="vs-form">
        <div className="row">
          <div className="field grow">
            <span>
              {embedder
                ? `Query — text (embedded by ${embedderLabel(embedder)}), a stored id, or a vector of ${c.dim} numbers`
                : `Query — a stored id, or a comma-separated vector of ${c.dim} numbers`}
            </span>
            <input
              data-testid="vs-query"
              className={embedder ? undefined : "mono"}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder={embedder ? "words to look for   or   42" : "42   or   0.12, -0.4, 0.93, …"}
            />
            {embedder && (
              <div className="hint wide" data-testid="vs-embedder-hint">
                Rows were embedded from <code>{embedder.text_field}</code> by {embedderLabel(embedder)}; text is embedded the same way.
              </div>
            )}
            {!embedder && parsed.kind === "text" && stringField && (
              <div className="hint wide" data-testid="vs-text-hint">
                Text queries need an embedder (not attached to this collection yet). To match the{" "}
                <code>{stringField.name}</code> field, use a filter:{" "}
                <button type="button" className="linklike mono" data-testid="vs-use-as-filter" onClick={() => setFilter(`${stringField.name} == ${quote(parsed.text)}`)}>
                  {stringField.name} == {quote(parsed.text)}
                </button>
              </div>
            )}
            {!embedder && parsed.kind !== "text" && textField && (
              <div className="hint wide" data-testid="vs-text-hint">
                This collection has a <code>text</code> field: search by id or vector, and narrow with a filter such as{" "}
                <code>text == "…"</code>.
              </div>
            )}
            {queryError && <div className="field-error" data-testid="vs-query-error">{queryError}</div>}
          </div>
          <label className="field tiny">
            <span>k</span>
            <input type="number" min={1} max={1000} data-testid="vs-k" value={k} onChange={(e) => setK(e.target.value)} />
          </label>
          {usesNprobe(factory) && (
            <label className="field tiny">
              <span>nprobe</span>
              <input type="number" min={1} data-testid="vs-nprobe" value={nprobe} onChange={(e) => setNprobe(e.target.value)} placeholder="auto" />
            </label>
          )}
          {usesEfSearch(factory) && (
            <label className="field tiny">
              <span>efSearch</span>
              <input type="number" min={1} data-testid="vs-ef-search" value={ef} onChange={(e) => setEf(e.target.value)} placeholder="auto" />
            </label>
          )}
          {usesRerank(factory) && (
            <label className="field tiny">
              <span>rerank</span>
              <input type="number" min={1} data-testid="vs-rerank" value={rerank} onChange={(e) => setRerank(e.target.value)} placeholder="off" />
            </label>
          )}
          <label className="check field-check">
            <input type="checkbox" data-testid="vs-exact" checked={exact} onChange={(e) => setExact(e.target.checked)} />
            exact
          </label>
          <div className="field auto">
            <span>&nbsp;</span>
            <button className="btn btn-primary" type="submit" disabled={busy} data-testid="vs-submit">
              {busy ? <span className="spinner" aria-hidden /> : null} Search
            </button>
          </div>
        </div>
        <label className="field grow">
          <span>Filter (optional)</span>
          <input data-testid="vs-filter" className="mono" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={filterExample(c)} />
          {filterError && <div className="field-error" data-testid="vs-filter-error">{filterError}</div>}
          <FilterHelp c={c} />
        </label>
        {c.fields.length > 0 && (
          <div className="row field-pick">
            <span className="muted small">Return fields:</span>
            {c.fields.map((f) => (
              <label key={f.name} className="check">
                <input type="checkbox" data-testid={`vs-return-${f.name}`} checked={chosen.includes(f.name)} onChange={() => toggle(f.name)} />
                <span className="mono">{f.name}</span>
              </label>
            ))}
          </div>
        )}
      </form>
      {data && <Results data={data} fields={shownFields} higherIsCloser={c.metric !== "l2"} />}
    </Card>
  );
}
