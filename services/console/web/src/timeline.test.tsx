import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Json } from "./api";
import { barsOf, Timeline } from "./timeline";

const execution = { project: "p", domain: "d", name: "run" };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const closure = (phase: string, start: number, duration: number) => ({ phase, startedAt: at(start), duration: `${duration}s` });

const nodes = [
  { id: { nodeId: "n0" }, closure: closure("SUCCEEDED", 0, 10), metadata: {} },
  { id: { nodeId: "n1" }, closure: closure("SUCCEEDED", 10, 4), metadata: { isParentNode: true } },
  { id: { nodeId: "n2" }, closure: { phase: "QUEUED" }, metadata: {} },
];

const answers: Record<string, Json> = {
  "task_executions/p/d/run/n0": {
    taskExecutions: [
      { id: { retryAttempt: 0 }, closure: closure("FAILED", 1, 3) },
      { id: { retryAttempt: 1 }, closure: closure("SUCCEEDED", 5, 5) },
    ],
  },
  "unique_parent_id=n1": { nodeExecutions: [{ id: { nodeId: "n1-0-s0" }, closure: closure("SUCCEEDED", 11, 2), metadata: { specNodeId: "s0" } }] },
  "task_executions/p/d/run/n1-0-s0": { taskExecutions: [{ id: {}, closure: closure("SUCCEEDED", 11, 2) }] },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("timeline", () => {
  it("has a bar per started node, per task attempt and per child of a parent", async () => {
    vi.stubGlobal("fetch", async (url: string) => {
      const found = Object.entries(answers).find(([part]) => url.includes(part));
      return new Response(JSON.stringify(found ? found[1] : { taskExecutions: [] }));
    });
    const bars = await barsOf(execution, nodes);
    expect(bars.map((b) => [b.label, b.depth, b.phase])).toEqual([
      ["n0", 0, "SUCCEEDED"],
      ["attempt 0", 1, "FAILED"],
      ["attempt 1", 1, "SUCCEEDED"],
      ["n1", 0, "SUCCEEDED"],
      ["s0", 1, "SUCCEEDED"],
      ["attempt 0", 2, "SUCCEEDED"],
    ]);
    expect(bars[2].end - bars[2].start).toBe(5000);
  });

  it("draws the bars on one time scale", async () => {
    vi.stubGlobal("fetch", async (url: string) => {
      const found = Object.entries(answers).find(([part]) => url.includes(part));
      return new Response(JSON.stringify(found ? found[1] : { taskExecutions: [] }));
    });
    render(<Timeline execution={execution} nodes={nodes} tick={0} />);
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(7));
    const attempt = screen.getByRole("img", { name: "SUCCEEDED, from 5.00s for 5.00s" });
    expect(attempt.style.left).toBe(`${(5 / 14) * 100}%`);
    expect(screen.getByRole("img", { name: "FAILED, from 1.00s for 3.00s" })).toBeTruthy();
    expect(screen.getAllByRole("rowheader").map((h) => h.textContent)).toContain("s0");
  });
});
