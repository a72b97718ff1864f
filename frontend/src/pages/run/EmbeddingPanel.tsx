// Similarity queries for an embedding run: a word's neighbours, an analogy (a − b + c) and the
// cosine of a pair. Word models answer all three; document models (tf-idf, sentence encoder)
// answer the pair, comparing two texts.
import { useState, type FormEvent, type ReactNode } from "react";
import { request, type Run } from "../../api";
import { Card, ErrorBox, useAction } from "../../ui";

type Neighbour = { word: string; score: number };

async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await request(path, { method: "POST", body: JSON.stringify(body) });
  return (await res.json()) as T;
}

const similar = (runId: string, positive: string[], negative: string[], topn = 10) =>
  postJson<{ items: Neighbour[] }>(`/runs/${encodeURIComponent(runId)}/embeddings/similar`, { positive, negative, topn });

const pairSimilarity = (runId: string, a: string, b: string) =>
  postJson<{ similarity: number }>(`/runs/${encodeURIComponent(runId)}/embeddings/similarity`, { a, b });

/** A form that runs ``action`` and keeps its error; children are the inputs. */
function QueryForm({ children, action, label, testId }: { children: ReactNode; action: () => Promise<void>; label: string; testId: string }) {
  const { busy, error, run } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(action);
  };
  return (
    <form className="form" onSubmit={submit} data-testid={testId}>
      <div className="row">
        {children}
        <div className="field">
          <span>&nbsp;</span>
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid={`${testId}-submit`}>
            {label}
          </button>
        </div>
      </div>
      <ErrorBox error={error} testId={`${testId}-error`} />
    </form>
  );
}

function TextField({ label, value, set, testId }: { label: string; value: string; set: (v: string) => void; testId: string }) {
  return (
    <label className="field grow">
      <span>{label}</span>
      <input required value={value} onChange={(e) => set(e.target.value)} data-testid={testId} />
    </label>
  );
}

function NeighbourTable({ rows, testId }: { rows: Neighbour[]; testId: string }) {
  if (!rows.length) return null;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>word</th>
          <th className="num">cosine</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((n) => (
          <tr key={n.word}>
            <td className="mono">{n.word}</td>
            <td className="num">{n.score.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Neighbours({ runId }: { runId: string }) {
  const [word, setWord] = useState("");
  const [rows, setRows] = useState<Neighbour[]>([]);
  const action = async () => setRows((await similar(runId, [word.trim()], [])).items);
  return (
    <>
      <QueryForm action={action} label="Neighbours" testId="embedding-neighbours">
        <TextField label="Word" value={word} set={setWord} testId="embedding-word" />
      </QueryForm>
      <NeighbourTable rows={rows} testId="embedding-neighbours-table" />
    </>
  );
}

function Analogy({ runId }: { runId: string }) {
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [c, setC] = useState("");
  const [rows, setRows] = useState<Neighbour[]>([]);
  const action = async () => setRows((await similar(runId, [a.trim(), c.trim()], [b.trim()], 5)).items);
  return (
    <>
      <QueryForm action={action} label="a − b + c" testId="embedding-analogy">
        <TextField label="a" value={a} set={setA} testId="embedding-analogy-a" />
        <TextField label="− b" value={b} set={setB} testId="embedding-analogy-b" />
        <TextField label="+ c" value={c} set={setC} testId="embedding-analogy-c" />
      </QueryForm>
      <NeighbourTable rows={rows} testId="embedding-analogy-table" />
    </>
  );
}

function Pair({ runId, words }: { runId: string; words: boolean }) {
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [value, setValue] = useState<number>();
  const action = async () => setValue((await pairSimilarity(runId, a, b)).similarity);
  const what = words ? "Word" : "Text";
  return (
    <QueryForm action={action} label="Similarity" testId="embedding-pair">
      <TextField label={`${what} A`} value={a} set={setA} testId="embedding-pair-a" />
      <TextField label={`${what} B`} value={b} set={setB} testId="embedding-pair-b" />
      {value !== undefined && (
        <div className="field">
          <span>cosine</span>
          <strong data-testid="embedding-pair-value">{value.toFixed(4)}</strong>
        </div>
      )}
    </QueryForm>
  );
}

/** Mounted on the run page for succeeded runs whose task is "embedding". */
export function EmbeddingPanel({ run }: { run: Run }) {
  if (run.task !== "embedding" || run.state !== "succeeded") return null;
  const embedding = (run.details as { embedding?: { kind?: string; dimension?: number } } | null)?.embedding;
  const words = embedding?.kind === "word";
  return (
    <Card
      title="Similarity queries"
      testId="embedding-panel"
      actions={embedding?.dimension ? <span className="muted small">{embedding.dimension}-d {words ? "word" : "document"} vectors</span> : undefined}
    >
      {words && <Neighbours runId={run.id} />}
      {words && <Analogy runId={run.id} />}
      <Pair runId={run.id} words={words} />
    </Card>
  );
}
