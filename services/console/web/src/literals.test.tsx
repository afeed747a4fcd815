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
