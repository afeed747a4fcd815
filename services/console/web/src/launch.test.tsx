import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LaunchForm, toLiteral, typeName } from "./launch";

const launchPlan = {
  id: { project: "flytesnacks", domain: "development", name: "wf", version: "v1" },
  closure: {
    expectedInputs: {
      parameters: {
        n: { var: { type: { simple: "INTEGER" } }, default: { scalar: { primitive: { integer: "3" } } } },
        names: { var: { type: { collectionType: { simple: "STRING" } } }, required: true },
      },
    },
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("toLiteral", () => {
  it("converts typed text to literals", () => {
    expect(toLiteral({ simple: "INTEGER" }, "5")).toEqual({ scalar: { primitive: { integer: "5" } } });
    expect(toLiteral({ simple: "FLOAT" }, "1.5")).toEqual({ scalar: { primitive: { floatValue: 1.5 } } });
    expect(toLiteral({ mapValueType: { simple: "INTEGER" } }, '{"a": 1}')).toEqual({
      map: { literals: { a: { scalar: { primitive: { integer: "1" } } } } },
    });
    expect(toLiteral({ simple: "STRUCT" }, '{"x": [1]}')).toEqual({ scalar: { generic: { x: [1] } } });
  });

  it("refuses text that is not of the type", () => {
    expect(() => toLiteral({ simple: "INTEGER" }, "three")).toThrow(/not an integer/);
    expect(() => toLiteral({ collectionType: { simple: "STRING" } }, "{}")).toThrow(/JSON list/);
  });

  it("names types", () => {
    expect(typeName({ collectionType: { simple: "INTEGER" } })).toBe("list<INTEGER>");
    expect(typeName({ blob: { dimensionality: "MULTIPART" } })).toBe("directory");
  });
});

describe("LaunchForm", () => {
  it("fills defaults and creates an execution with the entered inputs", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: { name: "run1" } }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const launched = vi.fn();
    render(<LaunchForm launchPlan={launchPlan} onLaunched={launched} />);
    expect((screen.getByLabelText(/^n \(/) as HTMLInputElement).value).toBe("3");
    fireEvent.change(screen.getByLabelText(/^names/), { target: { value: '["a", "b"]' } });
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(launched).toHaveBeenCalledWith("run1"));
    const body = JSON.parse((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body as string);
    expect(body.spec.launchPlan).toEqual({ ...launchPlan.id, resourceType: "LAUNCH_PLAN" });
    expect(body.inputs.literals.names.collection.literals).toHaveLength(2);
  });

  it("shows a missing required input instead of launching", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    render(<LaunchForm launchPlan={launchPlan} onLaunched={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/names is required/);
    expect(fetch).not.toHaveBeenCalled();
  });
});
