// Live training: while a run trains, poll its per-epoch metrics every 2 s and draw the loss and
// validation curves as they grow, with a Stop button (the run ends gracefully, keeping its best epoch).
import { useEffect, useRef, useState } from "react";
import { request, type Run } from "../../api";
import { Card, Empty, ErrorBox, errorText, isActive } from "../../ui";
import { LineChart, PALETTE, type Series } from "./LineChart";

/** One row of GET /runs/{id}/epochs. Epoch numbers start at 0, as in the model report. */
export interface RunEpoch {
  epoch: number;
  metrics: Record<string, number | null>;
  created_at: string;
}

const POLL_MS = 2000;
const enc = encodeURIComponent;

async function fetchEpochs(runId: string, after: number | null): Promise<RunEpoch[]> {
  const query = after === null ? "" : `?after=${after}`;
  const res = await request(`/runs/${enc(runId)}/epochs${query}`);
  return ((await res.json()) as { items: RunEpoch[] }).items;
}

async function requestStop(runId: string): Promise<void> {
  await request(`/runs/${enc(runId)}/stop`, { method: "POST" });
}

/** Epochs so far, fetched incrementally (only those after the last seen) while `active`. */
function useEpochs(runId: string, active: boolean): { epochs: RunEpoch[]; error?: string } {
  const [epochs, setEpochs] = useState<RunEpoch[]>([]);
  const [error, setError] = useState<string>();
  const last = useRef<number | null>(null);
  useEffect(() => {
    setEpochs([]);
    last.current = null;
  }, [runId]);
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const fresh = await fetchEpochs(runId, last.current);
        if (!alive) return;
        if (fresh.length) {
          last.current = fresh[fresh.length - 1].epoch;
          setEpochs((old) => [...old, ...fresh]);
        }
        setError(undefined);
      } catch (err: unknown) {
        if (alive) setError(errorText(err));
      }
      if (alive && active) timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [runId, active]);
  return { epochs, error };
}

function seriesOf(epochs: RunEpoch[], key: string, name: string, color: string, dashed = false): Series | null {
  if (!epochs.some((e) => typeof e.metrics[key] === "number")) return null;
  return { name, x: epochs.map((e) => e.epoch), y: epochs.map((e) => e.metrics[key] ?? null), color, dashed };
}

function StopButton({ run }: { run: Run }) {
  const [state, setState] = useState<"idle" | "sending" | "sent">("idle");
  const [error, setError] = useState<string>();
  const stop = async () => {
    setState("sending");
    try {
      await requestStop(run.id);
      setState("sent");
    } catch (err: unknown) {
      setError(errorText(err));
      setState("idle");
    }
  };
  return (
    <>
      <button className="btn" data-testid="run-stop" disabled={state !== "idle"} onClick={() => void stop()}>
        {state === "idle" ? "Stop" : "Stopping…"}
      </button>
      {error && <ErrorBox error={error} />}
    </>
  );
}

/** Curves of the epochs recorded so far; shown while the run is queued or running. */
export function LiveEpochs({ run }: { run: Run }) {
  const active = isActive(run.state);
  const { epochs, error } = useEpochs(run.id, active);
  if (!active) return null;
  const metricKey = Object.keys(epochs[epochs.length - 1]?.metrics ?? {}).find((k) => k.startsWith("val_") && k !== "val_loss");
  const losses = [
    seriesOf(epochs, "train_loss", "train loss", PALETTE[0]),
    seriesOf(epochs, "val_loss", "validation loss", PALETTE[1], true),
  ].filter((s): s is Series => s !== null);
  const metric = metricKey ? seriesOf(epochs, metricKey, metricKey.replace(/^val_/, "validation "), PALETTE[2]) : null;
  return (
    <Card title="Training live" testId="run-live" actions={<StopButton run={run} />}>
      {error && <ErrorBox error={error} />}
      {epochs.length === 0 ? (
        <Empty>Waiting for the first epoch… (only models that train in epochs report here)</Empty>
      ) : (
        <div className="grid-2">
          <LineChart testId="chart-live-loss" title={`Loss (epoch ${epochs[epochs.length - 1].epoch})`} xLabel="Epoch" yLabel="Loss" series={losses} />
          {metric && <LineChart testId="chart-live-metric" title={metric.name} xLabel="Epoch" yLabel={metricKey ?? ""} series={[metric]} />}
        </div>
      )}
    </Card>
  );
}
