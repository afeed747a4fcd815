import { describe, expect, it } from "vitest";
import { traceSearchUrl } from "./traces";

describe("traceSearchUrl", () => {
  it("searches the admin spans tagged with the execution around its creation", () => {
    const config = { uiUrl: "http://localhost:16686", service: "flightdeck-admin", tag: "flightdeck.execution.id" };
    const created = "2026-01-01T00:00:00Z";
    const url = new URL(traceSearchUrl(config, { project: "p", domain: "d", name: "r1" }, created, Date.parse(created) + 60_000));
    expect(url.origin + url.pathname).toBe("http://localhost:16686/search");
    expect(url.searchParams.get("service")).toBe("flightdeck-admin");
    expect(JSON.parse(url.searchParams.get("tags")!)).toEqual({ "flightdeck.execution.id": "p/d/r1" });
    const micros = Date.parse(created) * 1000;
    expect(Number(url.searchParams.get("start"))).toBe(micros - 3600e6);
    expect(Number(url.searchParams.get("end"))).toBe(micros + 60e6 + 3600e6);
    expect(url.searchParams.get("lookback")).toBe("custom");
  });
});
