import dagre from "@dagrejs/dagre";
import { type KeyboardEvent, useEffect, useMemo, useState } from "react";
import type { ExecutionKey, Json } from "./api";
import { branchCases, childNodes, dynamicWorkflow, taskAttempts } from "./nodes";

export const PHASE_COLOURS: Record<string, string> = {
  SUCCEEDED: "#1a7f37",
  RUNNING: "#0969da",
  QUEUED: "#8250df",
  FAILED: "#cf222e",
  FAILING: "#cf222e",
  ABORTED: "#6e7781",
  TIMED_OUT: "#bc4c00",
  SKIPPED: "#6e7781",
  RECOVERED: "#1a7f37",
};

export function kind(node: Json): string {
  if (node?.taskNode) return "task";
  if (node?.workflowNode) return node.workflowNode.launchplanRef ? "launch plan" : "sub-workflow";
  if (node?.branchNode) return "branch";
  if (node?.gateNode) return "gate";
  if (node?.arrayNode) return "map";
  return "";
}

// One box of a graph level: a node of the compiled template, or a child execution without one.
export interface GraphNode {
  id: string;
  label: string;
  kind: string;
  phase: string;
  execution?: Json;
}

const WIDTH = 170;
const HEIGHT = 44;

export const expandable = (n: GraphNode) =>
  Boolean(n.execution?.metadata?.isParentNode || n.execution?.metadata?.isArray || (n.kind === "map" && n.execution));

function onActivate(action: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    action();
  };
}

// A level of the graph laid out by dagre; a box whose execution has children (sub-workflow,
// branch, dynamic, map) is a button that opens them below.
export function GraphLevel({ label, nodes, edges, expanded, onToggle }: {
  label: string;
  nodes: GraphNode[];
  edges: [string, string][];
  expanded: Set<string>;
  onToggle: (node: GraphNode) => void;
}) {
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 20, ranksep: 40, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of nodes) g.setNode(node.id, { width: WIDTH, height: HEIGHT });
    for (const [from, to] of edges) if (g.hasNode(from) && g.hasNode(to)) g.setEdge(from, to);
    dagre.layout(g);
    return g;
  }, [nodes, edges]);
  const { width = 0, height = 0 } = layout.graph();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <svg className="graph" role="group" aria-label={label} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill="#6e7781" />
        </marker>
      </defs>
      {layout.edges().map((e) => (
        <polyline
          key={`${e.v}-${e.w}`}
          points={layout.edge(e).points.map((p: { x: number; y: number }) => `${p.x},${p.y}`).join(" ")}
          fill="none"
          stroke="#6e7781"
          markerEnd="url(#arrow)"
        />
      ))}
      {layout.nodes().map((id) => {
        const { x, y } = layout.node(id);
        const node = byId.get(id)!;
        const colour = PHASE_COLOURS[node.phase] ?? "#57606a";
        const open = expandable(node);
        const toggle = () => onToggle(node);
        const interactive = open
          ? {
              role: "button",
              tabIndex: 0,
              "aria-expanded": expanded.has(node.execution.id.nodeId),
              "aria-label": `${node.label} (${node.kind || "node"}, ${node.phase || "not started"}): show its children`,
              onClick: toggle,
              onKeyDown: onActivate(toggle),
            }
          : { role: "img", "aria-label": `${node.label}: ${node.phase || "not started"}` };
        return (
          <g
            key={id}
            className={open ? "node expandable" : "node"}
            transform={`translate(${x - WIDTH / 2},${y - HEIGHT / 2})`}
            data-node={id}
            data-phase={node.phase}
            {...interactive}
          >
            <title>{`${node.label}: ${node.phase || "not started"}`}</title>
            <rect width={WIDTH} height={HEIGHT} rx={6} fill="#fff" stroke={colour} strokeWidth={node.phase ? 3 : 1} />
            <rect width={8} height={HEIGHT} rx={3} fill={colour} />
            <text x={14} y={18} fontSize={12} fill="#1f2328">
              {node.label.slice(0, 22)}
            </text>
            <text x={14} y={34} fontSize={11} fill="#57606a">
              {[node.kind, node.phase].filter(Boolean).join(" · ") + (open ? (expanded.has(node.execution.id.nodeId) ? " ▾" : " ▸") : "")}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

// Template nodes joined to their executions (by spec node id below the top level).
export function templateNodes(compiled: Json, executions: Json[], phases: Record<string, string> = {}): GraphNode[] {
  const bySpec = new Map<string, Json>();
  for (const e of executions) bySpec.set(e.metadata?.specNodeId || e.id.nodeId, e);
  return (compiled?.template?.nodes ?? []).map((node: Json) => {
    const execution = bySpec.get(node.id);
    const phase = (execution && phases[execution.id.nodeId]) ?? execution?.closure?.phase ?? "";
    const nodeKind = execution?.metadata?.isDynamic ? "dynamic" : kind(node);
    return { id: node.id, label: node.metadata?.name || node.id, kind: nodeKind, phase, execution: execution && { ...execution, spec: node } };
  });
}

export function templateEdges(compiled: Json): [string, string][] {
  const downstream: Record<string, Json> = compiled?.connections?.downstream ?? {};
  return Object.entries(downstream).flatMap(([from, to]) => (to.ids ?? []).map((id: string) => [from, id] as [string, string]));
}

const sameId = (a: Json, b: Json) => a?.name === b?.name && a?.version === b?.version && a?.project === b?.project;

// The children of one expanded node, as a level of their own (recursively expandable).
function Children({ execution, parent, closure, tick }: { execution: ExecutionKey; parent: GraphNode; closure: Json; tick: number }) {
  const [level, setLevel] = useState<{ nodes: GraphNode[]; edges: [string, string][] } | string>("Loading…");
  const parentId = parent.execution.id.nodeId;
  useEffect(() => {
    let current = true;
    childLevel(execution, parent, closure).then(
      (l) => current && setLevel(l),
      (e: Error) => current && setLevel(e.message),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [parentId, tick]);
  if (typeof level === "string") return <p className="muted">{level}</p>;
  return (
    <Level
      execution={execution}
      label={`${parent.label} (${parent.kind || "node"}) children`}
      nodes={level.nodes}
      edges={level.edges}
      closure={closure}
      tick={tick}
    />
  );
}

async function childLevel(execution: ExecutionKey, parent: GraphNode, closure: Json) {
  const uid = parent.execution.id.nodeId;
  if (parent.kind === "map" || parent.execution.metadata?.isArray) return { nodes: await mapElements(execution, uid), edges: [] };
  const children: Json[] = (await childNodes(execution, uid)).nodeExecutions ?? [];
  const ref = parent.execution.spec?.workflowNode?.subWorkflowRef;
  const compiled = parent.execution.metadata?.isDynamic
    ? (await dynamicWorkflow(execution, uid))?.primary
    : ref && (closure?.compiledWorkflow?.subWorkflows ?? []).find((w: Json) => sameId(w.template?.id, ref));
  if (compiled) return { nodes: templateNodes(compiled, children), edges: templateEdges(compiled) };
  // A branch's chosen node (or children without a template): their executions, as run.
  const cases = new Map(branchCases(parent.execution.spec).map((n: Json) => [n.id, n]));
  const nodes = children.map((c) => {
    const spec = cases.get(c.metadata?.specNodeId);
    return {
      id: c.id.nodeId,
      label: spec?.metadata?.name || c.metadata?.specNodeId || c.id.nodeId,
      kind: kind(spec),
      phase: c.closure?.phase ?? "",
      execution: { ...c, spec },
    };
  });
  return { nodes, edges: [] as [string, string][] };
}

// A map task's elements: the external resources of its task executions, one box per index.
async function mapElements(execution: ExecutionKey, nodeId: string): Promise<GraphNode[]> {
  const attempts: Json[] = (await taskAttempts(execution, nodeId)).taskExecutions ?? [];
  const elements = new Map<number, Json>();
  for (const attempt of attempts)
    for (const r of attempt.closure?.metadata?.externalResources ?? []) {
      const known = elements.get(r.index ?? 0);
      if (!known || (r.retryAttempt ?? 0) >= (known.retryAttempt ?? 0)) elements.set(r.index ?? 0, r);
    }
  return [...elements.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, r]) => ({
      id: `${nodeId}[${index}]`,
      label: `${nodeId}[${index}]`,
      kind: `element${r.retryAttempt ? `, attempt ${r.retryAttempt}` : ""}`,
      phase: r.phase ?? "",
    }));
}

export function Level({ execution, label, nodes, edges, closure, tick }: {
  execution: ExecutionKey;
  label: string;
  nodes: GraphNode[];
  edges: [string, string][];
  closure: Json;
  tick: number;
}) {
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggle = (node: GraphNode) =>
    setExpanded((current) => {
      const next = new Set(current);
      const id = node.execution.id.nodeId;
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const open = nodes.filter((n) => n.execution && expanded.has(n.execution.id.nodeId));
  return (
    <>
      <div className="graph-scroll">
        <GraphLevel label={label} nodes={nodes} edges={edges} expanded={expanded} onToggle={toggle} />
      </div>
      {open.map((n) => (
        <section key={n.id} className="children" aria-label={`${n.label} children`}>
          <h3>
            {n.label} <span className="muted">({n.kind})</span>
          </h3>
          <Children execution={execution} parent={n} closure={closure} tick={tick} />
        </section>
      ))}
    </>
  );
}

// The primary workflow's nodes, coloured by the phase of each node's execution, live.
export function WorkflowGraph({ execution, workflow, nodes, phases, tick }: {
  execution: ExecutionKey;
  workflow: Json;
  nodes: Json[];
  phases: Record<string, string>;
  tick: number;
}) {
  const primary = workflow?.closure?.compiledWorkflow?.primary;
  const level = useMemo(
    () => primary && { nodes: templateNodes(primary, nodes, phases), edges: templateEdges(primary) },
    [primary, nodes, phases],
  );
  if (!level) return <p className="muted">No compiled workflow.</p>;
  return <Level execution={execution} label="Workflow graph" nodes={level.nodes} edges={level.edges} closure={workflow.closure} tick={tick} />;
}
