import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { literalText, LiteralMapView } from "./literals";

describe("literalText", () => {
  it("renders primitives, lists and maps", () => {
    expect(literalText({ scalar: { primitive: { integer: "14" } } })).toBe("14");
    expect(literalText({ scalar: { primitive: { stringValue: "14 is big" } } })).toBe('"14 is big"');
    expect(
      literalText({ collection: { literals: [1, 4, 9].map((i) => ({ scalar: { primitive: { integer: String(i) } } })) } }),
    ).toBe("[1, 4, 9]");
    expect(literalText({ map: { literals: { a: { scalar: { primitive: { boolean: true } } } } } })).toBe("{a: true}");
  });

  it("renders blobs by their URI and structs as JSON", () => {
    expect(literalText({ scalar: { blob: { uri: "s3://b/k" } } })).toBe("s3://b/k");
    expect(literalText({ scalar: { generic: { x: 1 } } })).toBe('{"x":1}');
    expect(literalText({ scalar: { noneType: {} } })).toBe("none");
  });
});

describe("literalText of the other scalars", () => {
  it("renders unions by their value, errors, binaries, datasets, times and nesting", () => {
    const int = (i: number) => ({ scalar: { primitive: { integer: String(i) } } });
    expect(literalText({ scalar: { union: { value: int(3), type: { simple: "INTEGER" } } } })).toBe("3");
    expect(literalText({ scalar: { error: { failedNodeId: "n0", message: "boom" } } })).toBe("error: boom");
    expect(literalText({ scalar: { binary: { value: "AAE=", tag: "msgpack" } } })).toBe("binary (msgpack)");
    expect(literalText({ scalar: { structuredDataset: { uri: "s3://b/df" } } })).toBe("s3://b/df");
    expect(literalText({ scalar: { primitive: { datetime: "2026-01-01T00:00:00Z" } } })).toBe("2026-01-01T00:00:00Z");
    expect(literalText({ scalar: { primitive: { duration: "90s" } } })).toBe("90s");
    expect(literalText({ scalar: { primitive: { floatValue: 0.5 } } })).toBe("0.5");
    expect(literalText({ map: { literals: { xs: { collection: { literals: [int(1), int(2)] } } } } })).toBe("{xs: [1, 2]}");
    expect(literalText({ collection: {} })).toBe("[]");
    expect(literalText(undefined)).toBe("");
  });
});

describe("LiteralMapView", () => {
  it("shows one row per output", () => {
    render(<LiteralMapView literals={{ o0: { scalar: { primitive: { integer: "72" } } } }} empty="none" />);
    expect(screen.getByRole("rowheader").textContent).toBe("o0");
    expect(screen.getByRole("cell").textContent).toBe("72");
  });

  it("says when there is nothing", () => {
    render(<LiteralMapView literals={undefined} empty="No outputs yet." />);
    expect(screen.getByText("No outputs yet.")).toBeTruthy();
  });
});
