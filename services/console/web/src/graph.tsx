import dagre from "@dagrejs/dagre";
import { useMemo } from "react";
import type { Json } from "./api";

export const PHASE_COLOURS: Record<string, string> = {
  SUCCEEDED: "#1a7f37",
  RUNNING: "#0969da",
  QUEUED: "#8250df",
  FAILED: "#cf222e",
  FAILING: "#cf222e",
  ABORTED: "#6e7781",
  TIMED_OUT: "#bc4c00",
  SKIPPED: "#6e7781",
};

function kind(node: Json): string {
  if (node.taskNode) return "task";
  if (node.workflowNode) return "sub-workflow";
  if (node.branchNode) return "branch";
  if (node.gateNode) return "gate";
  if (node.arrayNode) return "map";
  return "";
}

const WIDTH = 170;
const HEIGHT = 44;

// The primary workflow's nodes laid out by dagre, coloured by the phase of each node's execution.
export function WorkflowGraph({ workflow, phases }: { workflow: Json; phases: Record<string, string> }) {
  const layout = useMemo(() => {
    const compiled = workflow?.closure?.compiledWorkflow?.primary;
    if (!compiled) return null;
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 20, ranksep: 40, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    const nodes: Json[] = compiled.template.nodes ?? [];
    for (const node of nodes) g.setNode(node.id, { width: WIDTH, height: HEIGHT, node });
    const downstream: Record<string, Json> = compiled.connections?.downstream ?? {};
    for (const [from, to] of Object.entries(downstream))
      for (const id of to.ids ?? []) if (g.hasNode(from) && g.hasNode(id)) g.setEdge(from, id);
    dagre.layout(g);
    return g;
  }, [workflow]);
  if (!layout) return <p className="muted">No compiled workflow.</p>;
  const { width = 0, height = 0 } = layout.graph();
  return (
    <svg className="graph" role="img" aria-label="Workflow graph" viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
      {layout.edges().map((e) => {
        const points = layout.edge(e).points;
        return (
          <polyline
            key={`${e.v}-${e.w}`}
            points={points.map((p: { x: number; y: number }) => `${p.x},${p.y}`).join(" ")}
            fill="none"
            stroke="#8c959f"
            markerEnd="url(#arrow)"
          />
        );
      })}
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill="#8c959f" />
        </marker>
      </defs>
      {layout.nodes().map((id) => {
        const { x, y, node } = layout.node(id) as unknown as { x: number; y: number; node: Json };
        const phase = phases[id] ?? "";
        const colour = PHASE_COLOURS[phase] ?? "#57606a";
        return (
          <g key={id} transform={`translate(${x - WIDTH / 2},${y - HEIGHT / 2})`} data-node={id} data-phase={phase}>
            <title>{`${id}: ${phase || "not started"}`}</title>
            <rect width={WIDTH} height={HEIGHT} rx={6} fill="#fff" stroke={colour} strokeWidth={phase ? 3 : 1} />
            <rect width={8} height={HEIGHT} rx={3} fill={colour} />
            <text x={14} y={18} fontSize={12} fill="#1f2328">
              {(node.metadata?.name || id).slice(0, 22)}
            </text>
            <text x={14} y={34} fontSize={11} fill="#57606a">
              {[kind(node), phase].filter(Boolean).join(" · ")}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

// A Gantt chart of the node executions: one bar per node from its start for its duration.
export function Timeline({ nodes }: { nodes: Json[] }) {
  const rows = nodes
    .filter((n) => n.closure?.startedAt)
    .map((n) => {
      const start = Date.parse(n.closure.startedAt);
      const seconds = parseFloat(n.closure.duration ?? "0") || (Date.now() - start) / 1000;
      return { id: n.id.nodeId, start, end: start + seconds * 1000, phase: n.closure.phase };
    });
  if (!rows.length) return <p className="muted">Nothing has started yet.</p>;
  const t0 = Math.min(...rows.map((r) => r.start));
  const span = Math.max(1, Math.max(...rows.map((r) => r.end)) - t0);
  return (
    <div className="timeline" role="table" aria-label="Timeline">
      {rows.map((r) => (
        <div className="tl-row" role="row" key={r.id}>
          <span role="cell" className="tl-name">{r.id}</span>
          <span role="cell" className="tl-track">
            <span
              className="tl-bar"
              title={`${((r.end - r.start) / 1000).toFixed(2)}s`}
              style={{
                left: `${((r.start - t0) / span) * 100}%`,
                width: `${Math.max(0.5, ((r.end - r.start) / span) * 100)}%`,
                background: PHASE_COLOURS[r.phase] ?? "#57606a",
              }}
            />
          </span>
        </div>
      ))}
    </div>
  );
}
