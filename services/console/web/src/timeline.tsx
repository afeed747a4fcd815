import { useEffect, useState } from "react";
import type { ExecutionKey, Json } from "./api";
import { PHASE_COLOURS } from "./graph";
import { childNodes, taskAttempts } from "./nodes";

export interface Bar {
  key: string;
  label: string;
  depth: number;
  attempt?: number;
  start: number;
  end: number;
  phase: string;
}

const MAX_DEPTH = 3;
// Feed changes arrive in bursts; the rows are read again once a burst is over.
const SETTLE_MS = 300;

function span(closure: Json, now: number): { start: number; end: number } | undefined {
  if (!closure?.startedAt) return undefined;
  const start = Date.parse(closure.startedAt);
  const seconds = parseFloat(closure.duration ?? "");
  return { start, end: Number.isFinite(seconds) && seconds > 0 ? start + seconds * 1000 : Math.max(start, now) };
}

// A node's bar, then one bar per task attempt, then (for parents) its children's, indented.
export async function barsOf(execution: ExecutionKey, nodes: Json[], depth = 0, now = Date.now()): Promise<Bar[]> {
  const groups = await Promise.all(
    nodes.map(async (n) => {
      const nodeSpan = span(n.closure, now);
      if (!nodeSpan) return [];
      const id = n.id.nodeId;
      const label = n.metadata?.specNodeId && depth ? n.metadata.specNodeId : id;
      const own: Bar = { key: id, label, depth, phase: n.closure.phase, ...nodeSpan };
      const [attempts, children] = await Promise.all([
        taskAttempts(execution, id).then((r) => r.taskExecutions ?? [], () => []),
        n.metadata?.isParentNode && depth < MAX_DEPTH
          ? childNodes(execution, id).then((r) => barsOf(execution, r.nodeExecutions ?? [], depth + 1, now), () => [])
          : Promise.resolve([]),
      ]);
      const attemptBars = attempts.flatMap((t: Json) => {
        const s = span(t.closure, now);
        const attempt = t.id.retryAttempt ?? 0;
        return s ? [{ key: `${id}#${attempt}`, label: `attempt ${attempt}`, depth: depth + 1, attempt, phase: t.closure.phase, ...s }] : [];
      });
      return [own, ...attemptBars, ...children];
    }),
  );
  return groups.flat();
}

function useBars(execution: ExecutionKey, nodes: Json[], tick: number): Bar[] | undefined {
  const [bars, setBars] = useState<Bar[]>();
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => barsOf(execution, nodes).then((b) => current && setBars(b)), bars ? SETTLE_MS : 0);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [execution.name, nodes, tick]);
  return bars;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

// A Gantt chart of the node executions and their task attempts (children of parents indented).
export function TimelineChart({ bars }: { bars: Bar[] }) {
  if (!bars.length) return <p className="muted">Nothing has started yet.</p>;
  const t0 = Math.min(...bars.map((r) => r.start));
  const total = Math.max(1, Math.max(...bars.map((r) => r.end)) - t0);
  return (
    <table className="timeline" aria-label="Timeline">
      <thead>
        <tr>
          <th scope="col">Node / attempt</th>
          <th scope="col">
            Time <span className="muted">(0 – {seconds(total)})</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {bars.map((r) => (
          <tr key={r.key} className={r.attempt === undefined ? "tl-node" : "tl-attempt"} data-phase={r.phase}>
            <th scope="row" className="tl-name" style={{ paddingLeft: `${0.5 + r.depth}rem` }}>
              {r.label}
            </th>
            <td className="tl-track">
              <span
                className="tl-bar"
                role="img"
                aria-label={`${r.phase}, from ${seconds(r.start - t0)} for ${seconds(r.end - r.start)}`}
                title={`${r.phase} · ${seconds(r.end - r.start)}`}
                style={{
                  left: `${((r.start - t0) / total) * 100}%`,
                  width: `${Math.max(0.5, ((r.end - r.start) / total) * 100)}%`,
                  background: PHASE_COLOURS[r.phase] ?? "#57606a",
                }}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Timeline({ execution, nodes, tick }: { execution: ExecutionKey; nodes: Json[]; tick: number }) {
  const bars = useBars(execution, nodes, tick);
  if (!bars) return <p className="muted">Loading…</p>;
  return <TimelineChart bars={bars} />;
}
