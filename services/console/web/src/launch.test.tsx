import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Json } from "./api";
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

const fileLaunchPlan = {
  id: launchPlan.id,
  closure: {
    expectedInputs: {
      parameters: {
        data: { var: { type: { blob: { dimensionality: "SINGLE" } } }, required: true },
        folder: { var: { type: { blob: { dimensionality: "MULTIPART" } } } },
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

  it("uploads a chosen file through the data proxy and passes its native URL as a Blob", async () => {
    const calls: [string, RequestInit][] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      if (url.endsWith("dataproxy/artifact_urn"))
        return new Response(
          JSON.stringify({
            signedUrl: "http://edge/flightdeck/storage/p/d/X/data.csv?fd-signature=s",
            nativeUrl: "file:///store/p/d/X/data.csv",
            headers: { "Content-MD5": "kAFQmDzST7DWlj99KOF/cg==" },
          }),
        );
      if (init.method === "PUT") return new Response("", { status: 200 });
      return new Response(JSON.stringify({ id: { name: "run2" } }));
    });
    vi.stubGlobal("fetch", fetch);
    const launched = vi.fn();
    render(<LaunchForm launchPlan={fileLaunchPlan} onLaunched={launched} />);
    const file = new File(["abc"], "data.csv");
    fireEvent.change(screen.getByLabelText(/^data \(file/), { target: { files: [file] } });
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(launched).toHaveBeenCalledWith("run2"));
    const [location, upload, create] = calls;
    expect(JSON.parse(location[1].body as string)).toEqual({
      project: "flytesnacks",
      domain: "development",
      contentMd5: "kAFQmDzST7DWlj99KOF/cg==",
      filename: "data.csv",
    });
    expect(upload[0]).toBe("http://edge/flightdeck/storage/p/d/X/data.csv?fd-signature=s");
    expect(upload[1].headers).toEqual({ "Content-MD5": "kAFQmDzST7DWlj99KOF/cg==" });
    expect(upload[1].body).toBe(file);
    const literal = JSON.parse(create[1].body as string).inputs.literals.data;
    expect(literal).toEqual({
      scalar: { blob: { metadata: { type: { dimensionality: "SINGLE" } }, uri: "file:///store/p/d/X/data.csv" } },
    });
  });

  it("uploads every file of a folder under one root and passes the folder as the directory", async () => {
    const bodies: Json[] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith("dataproxy/artifact_urn")) {
        const request = JSON.parse(init.body as string);
        bodies.push(request);
        const key = `p/d/${request.filenameRoot}/${request.filename}`;
        return new Response(JSON.stringify({ signedUrl: `http://edge/s/${key}`, nativeUrl: `file:///store/${key}`, headers: {} }));
      }
      if (init.method === "PUT") return new Response("");
      return new Response(JSON.stringify({ id: { name: "run3" } }));
    });
    vi.stubGlobal("fetch", fetch);
    const launched = vi.fn();
    render(<LaunchForm launchPlan={fileLaunchPlan} onLaunched={launched} />);
    const inFolder = (name: string, path: string) =>
      Object.defineProperty(new File([name], name), "webkitRelativePath", { value: path });
    const chosen = [inFolder("a.txt", "picked/a.txt"), inFolder("b.txt", "picked/sub/b.txt")];
    fireEvent.change(screen.getByLabelText(/^data \(file/), { target: { files: [new File(["x"], "x")] } });
    const folder = screen.getByLabelText(/^folder \(directory/) as HTMLInputElement;
    expect(folder.hasAttribute("webkitdirectory")).toBe(true);
    fireEvent.change(folder, { target: { files: chosen } });
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(launched).toHaveBeenCalledWith("run3"));
    const folderUploads = bodies.filter((b) => b.filenameRoot);
    expect(folderUploads.map((b) => b.filename)).toEqual(["a.txt", "sub/b.txt"]);
    expect(new Set(folderUploads.map((b) => b.filenameRoot)).size).toBe(1);
    const create = JSON.parse((fetch.mock.calls[fetch.mock.calls.length - 1] as unknown as [string, RequestInit])[1].body as string);
    expect(create.inputs.literals.folder.scalar.blob.uri).toBe(`file:///store/p/d/${folderUploads[0].filenameRoot}/`);
  });

  it("takes a typed URI instead of an upload, and reports a refused upload", async () => {
    const fetch = vi.fn(async (url: string) =>
      url.endsWith("dataproxy/artifact_urn")
        ? new Response(JSON.stringify({ message: "content_md5 is required" }), { status: 400 })
        : new Response(JSON.stringify({ id: { name: "run4" } })),
    );
    vi.stubGlobal("fetch", fetch);
    const launched = vi.fn();
    render(<LaunchForm launchPlan={fileLaunchPlan} onLaunched={launched} />);
    fireEvent.change(screen.getAllByLabelText(/existing URI/)[0], { target: { value: "s3://bucket/in.csv" } });
    fireEvent.change(screen.getByLabelText(/^folder \(directory/), { target: { files: [new File(["x"], "x")] } });
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/content_md5 is required/);
    expect(launched).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText(/^folder \(directory/), { target: { files: [] } });
    fireEvent.change(screen.getAllByLabelText(/existing URI/)[1], { target: { value: "s3://bucket/dir/" } });
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(launched).toHaveBeenCalledWith("run4"));
    const create = JSON.parse((fetch.mock.calls[fetch.mock.calls.length - 1] as unknown as [string, RequestInit])[1].body as string);
    expect(create.inputs.literals.data.scalar.blob.uri).toBe("s3://bucket/in.csv");
    expect(create.inputs.literals.folder.scalar.blob).toEqual({
      metadata: { type: { dimensionality: "MULTIPART" } },
      uri: "s3://bucket/dir/",
    });
  });
});
