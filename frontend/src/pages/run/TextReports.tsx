// Text tasks: topic cards with word weights, per-document topic shares, and the tag/entity scores of a tagger.
import { Card, fmtMetric } from "../../ui";
import { BarList } from "./common";
import type { Details, DocumentTopics, LabelScores, Topic } from "./details";

function Topics({ topics }: { topics: Topic[] }) {
  return (
    <div className="topic-grid">
      {topics.map((t) => (
        <div key={String(t.topic)} className="topic-card" data-testid={`topic-${t.topic}`}>
          <div className="topic-title">
            Topic {String(t.topic)}
            <span className="muted small"> · {t.words.slice(0, 3).map((w) => w.word).join(", ")}</span>
          </div>
          <BarList bars={t.words.map((w) => ({ name: w.word, value: w.weight }))} limit={10} decimals={3} />
        </div>
      ))}
    </div>
  );
}

function DocumentTopicTable({ rows }: { rows: DocumentTopics[] }) {
  const ids = [...new Set(rows.flatMap((r) => Object.keys(r.topics)))].sort((a, b) => Number(a) - Number(b));
  return (
    <div className="scroll-x scroll-y">
      <table className="table compact" data-testid="document-topics">
        <thead>
          <tr>
            <th className="num">Row</th>
            {ids.map((id) => (
              <th key={id} className="num">
                Topic {id}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const top = Math.max(...Object.values(r.topics));
            return (
              <tr key={r.row}>
                <td className="num mono">{r.row}</td>
                {ids.map((id) => {
                  const p = r.topics[id];
                  return (
                    <td key={id} className={`num${p === top ? " strong" : " muted"}`} style={p ? { background: `rgba(37, 99, 235, ${p * 0.35})` } : undefined}>
                      {p === undefined ? "—" : p.toFixed(3)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ScoresTable({ rows, title, testId }: { rows: (LabelScores & { name: string })[]; title: string; testId: string }) {
  return (
    <table className="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th>{title}</th>
          <th className="num">Precision</th>
          <th className="num">Recall</th>
          <th className="num">F1</th>
          <th className="num">Support</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name} data-testid={`${testId}-${r.name}`}>
            <th className="mono">{r.name}</th>
            <td className="num">{fmtMetric(r.precision)}</td>
            <td className="num">{fmtMetric(r.recall)}</td>
            <td className="num strong">{fmtMetric(r.f1)}</td>
            <td className="num muted">{r.support}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TextReports({ details }: { details: Details }) {
  const { topics, document_topics: docs, tag_report: tags, entity_report: entities } = details;
  return (
    <>
      {topics && topics.length > 0 && (
        <Card title={`Topics (${topics.length})`} testId="topics">
          <Topics topics={topics} />
        </Card>
      )}
      {docs && docs.length > 0 && (
        <Card title="Topic shares per document" testId="document-topics-card">
          <DocumentTopicTable rows={docs} />
        </Card>
      )}
      {((tags && tags.length > 0) || (entities && entities.length > 0)) && (
        <div className="grid-2">
          {tags && tags.length > 0 && (
            <Card title="Per-tag scores">
              <ScoresTable rows={tags.map((t) => ({ ...t, name: t.tag }))} title="Tag" testId="tag-report" />
            </Card>
          )}
          {entities && entities.length > 0 && (
            <Card title="Entity-level scores">
              <ScoresTable rows={entities.map((e) => ({ ...e, name: e.type }))} title="Entity type" testId="entity-report" />
            </Card>
          )}
        </div>
      )}
    </>
  );
}
