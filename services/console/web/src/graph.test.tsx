import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Json } from "./api";
import { WorkflowGraph } from "./graph";

const execution = { project: "p", domain: "d", name: "run" };
const sub = { resourceType: "WORKFLOW", project: "p", domain: "d", name: "wf.sub", version: "v1" };
const task = (id: string) => ({ id, taskNode: { referenceId: { name: id } } });

const workflow = {
  closure: {
    compiledWorkflow: {
      primary: {
        template: {
          nodes: [
            task("n0"),
            { id: "n1", workflowNode: { subWorkflowRef: sub } },
            { id: "n2", arrayNode: { node: task("inner") } },
            { id: "n3", branchNode: { ifElse: { case: { thenNode: task("n3-n0") }, elseNode: task("n3-n1") } } },
          ],
        },
        connections: { downstream: { n0: { ids: ["n1", "n2"] }, n1: { ids: ["n3"] } } },
      },
      subWorkflows: [
        {
          template: { id: sub, nodes: [task("s0"), task("s1")] },
          connections: { downstream: { s0: { ids: ["s1"] } } },
        },
      ],
    },
  },
};

const nodeExecution = (nodeId: string, phase: string, metadata: Json = {}) => ({
  id: { nodeId, executionId: execution },
  closure: { phase },
  metadata,
});

const topLevel = [
  nodeExecution("n0", "SUCCEEDED"),
  nodeExecution("n1", "RUNNING", { isParentNode: true }),
  nodeExecution("n2", "SUCCEEDED", { isArray: true }),
  nodeExecution("n3", "SUCCEEDED", { isParentNode: true }),
];

const answers: Record<string, Json> = {
  "unique_parent_id=n1": { nodeExecutions: [nodeExecution("n1-0-s0", "SUCCEEDED", { specNodeId: "s0" }), nodeExecution("n1-0-s1", "RUNNING", { specNodeId: "s1" })] },
  "unique_parent_id=n3": { nodeExecutions: [nodeExecution("n3-0-n3-n1", "SUCCEEDED", { specNodeId: "n3-n1" })] },
  "task_executions/p/d/run/n2": {
    taskExecutions: [
      { id: { retryAttempt: 0 }, closure: { metadata: { externalResources: [{ index: 0, phase: "SUCCEEDED" }, { index: 1, phase: "FAILED" }, { index: 1, retryAttempt: 1, phase: "SUCCEEDED" }] } } },
    ],
  },
};

function stubApi() {
  const fetch = vi.fn(async (url: string) => {
    const found = Object.entries(answers).find(([part]) => url.includes(part));
    return new Response(JSON.stringify(found ? found[1] : {}), { status: found ? 200 : 404 });
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const box = (container: HTMLElement, id: string) => container.querySelector(`g[data-node="${id}"]`) as SVGGElement;

describe("WorkflowGraph", () => {
  it("colours each node by its execution's phase and makes only parents expandable", () => {
    stubApi();
    const { container } = render(<WorkflowGraph execution={execution} workflow={workflow} nodes={topLevel} phases={{ n0: "FAILED" }} tick={0} />);
    expect(box(container, "n0").dataset.phase).toBe("FAILED");
    expect(box(container, "n0").getAttribute("role")).toBe("img");
    const parents = screen.getAllByRole("button");
    expect(parents.map((b) => b.getAttribute("data-node"))).toEqual(["n1", "n2", "n3"]);
    expect(parents.every((b) => b.getAttribute("tabindex") === "0" && b.getAttribute("aria-expanded") === "false")).toBe(true);
    expect(container.querySelectorAll("polyline")).toHaveLength(3);
  });

  it("opens a sub-workflow's compiled nodes with their child executions' phases, from the keyboard", async () => {
    const fetch = stubApi();
    const { container } = render(<WorkflowGraph execution={execution} workflow={workflow} nodes={topLevel} phases={{}} tick={0} />);
    fireEvent.keyDown(box(container, "n1"), { key: "Enter" });
    const children = await screen.findByRole("group", { name: /n1 \(sub-workflow\) children/ });
    await waitFor(() => expect(children.querySelector('g[data-node="s1"]')?.getAttribute("data-phase")).toBe("RUNNING"));
    expect(children.querySelector('g[data-node="s0"]')?.getAttribute("data-phase")).toBe("SUCCEEDED");
    expect(children.querySelectorAll("polyline")).toHaveLength(1);
    expect(box(container, "n1").getAttribute("aria-expanded")).toBe("true");
    expect(String(fetch.mock.calls[0][0])).toContain("node_executions/p/d/run?unique_parent_id=n1");
    fireEvent.keyDown(box(container, "n1"), { key: " " });
    await waitFor(() => expect(screen.queryByRole("group", { name: /n1 \(sub-workflow\) children/ })).toBeNull());
  });

  it("opens a branch's chosen node and a map task's elements (latest attempt each)", async () => {
    stubApi();
    const { container } = render(<WorkflowGraph execution={execution} workflow={workflow} nodes={topLevel} phases={{}} tick={0} />);
    fireEvent.click(box(container, "n3"));
    const branch = await screen.findByRole("group", { name: /n3 \(branch\) children/ });
    await waitFor(() => expect(within(branch).getByText("n3-n1")).toBeTruthy());
    fireEvent.click(box(container, "n2"));
    const elements = await screen.findByRole("group", { name: /n2 \(map\) children/ });
    await waitFor(() => expect(elements.querySelectorAll("g[data-node]")).toHaveLength(2));
    expect(elements.querySelector('g[data-node="n2[1]"]')?.getAttribute("data-phase")).toBe("SUCCEEDED");
  });
});
