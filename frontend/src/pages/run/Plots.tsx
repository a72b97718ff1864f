// The PNG gallery: plots need the bearer header, so each image is fetched as a blob and shown from an object URL.
import { useEffect, useState } from "react";
import { getRunPlot } from "../../api";
import { Card, ErrorBox, errorText, Loading } from "../../ui";

function Plot({ runId, file }: { runId: string; file: string }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let objectUrl: string | undefined;
    let alive = true;
    getRunPlot(runId, file)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        if (alive) setUrl(objectUrl);
      })
      .catch((err: unknown) => alive && setError(errorText(err)));
    return () => {
      alive = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [runId, file]);
  return (
    <figure className="plot">
      {error ? <ErrorBox error={error} /> : url ? <img src={url} alt={file} data-testid={`plot-${file}`} /> : <Loading />}
      <figcaption className="muted small">{file}</figcaption>
    </figure>
  );
}

export function PlotGallery({ runId, files }: { runId: string; files: string[] }) {
  if (!files.length) return null;
  return (
    <Card title="Plots (PNG)" testId="plot-gallery">
      <div className="plots">
        {files.map((f) => (
          <Plot key={f} runId={runId} file={f} />
        ))}
      </div>
    </Card>
  );
}
