import { useState } from "react";
import { type Json, post } from "./api";
import { literalText } from "./literals";
import { blobLiteral, uploadDirectory, uploadFile } from "./upload";

// Builds a launch form from a launch plan's expected inputs and turns the entries into literals.
export function typeName(type: Json): string {
  if (!type) return "?";
  if (type.simple) return type.simple;
  if (type.collectionType) return `list<${typeName(type.collectionType)}>`;
  if (type.mapValueType) return `map<string, ${typeName(type.mapValueType)}>`;
  if (type.blob) return type.blob.dimensionality === "MULTIPART" ? "directory" : "file";
  if (type.enumType) return `enum(${type.enumType.values.join("|")})`;
  if (type.unionType) return type.unionType.variants.map(typeName).join(" | ");
  return "structured";
}

function primitive(simple: string, text: string): Json {
  switch (simple) {
    case "INTEGER":
      if (!/^-?\d+$/.test(text.trim())) throw new Error(`not an integer: ${text}`);
      return { integer: text.trim() };
    case "FLOAT":
      if (Number.isNaN(Number(text))) throw new Error(`not a number: ${text}`);
      return { floatValue: Number(text) };
    case "BOOLEAN":
      return { boolean: text === "true" };
    case "DATETIME":
      return { datetime: new Date(text).toISOString() };
    case "DURATION":
      return { duration: text.endsWith("s") ? text : `${text}s` };
    default:
      return { stringValue: text };
  }
}

// JSON values (for lists, maps and dataclasses) to literals of the declared type.
function fromJson(type: Json, value: unknown): Json {
  if (type.collectionType) {
    if (!Array.isArray(value)) throw new Error("expected a JSON list");
    return { collection: { literals: value.map((v) => fromJson(type.collectionType, v)) } };
  }
  if (type.mapValueType) {
    const entries = Object.entries(value as Record<string, unknown>);
    return { map: { literals: Object.fromEntries(entries.map(([k, v]) => [k, fromJson(type.mapValueType, v)])) } };
  }
  if (type.simple === "STRUCT") return { scalar: { generic: value } };
  if (type.simple) return { scalar: { primitive: primitive(type.simple, String(value)) } };
  if (type.enumType) return { scalar: { primitive: { stringValue: String(value) } } };
  if (type.blob) return { scalar: { blob: { metadata: { type: type.blob }, uri: String(value) } } };
  throw new Error(`unsupported type ${typeName(type)}`);
}

export function toLiteral(type: Json, text: string): Json {
  if (type.simple && type.simple !== "STRUCT") return { scalar: { primitive: primitive(type.simple, text) } };
  if (type.blob || type.enumType) return fromJson(type, text);
  return fromJson(type, JSON.parse(text));
}

function initial(parameter: Json): string {
  const d = parameter.default;
  if (!d) return "";
  const p = d.scalar?.primitive;
  if (p) return String(p.stringValue ?? p.integer ?? p.floatValue ?? p.boolean ?? p.datetime ?? p.duration ?? "");
  if (d.scalar?.generic !== undefined) return JSON.stringify(d.scalar.generic);
  return literalText(d);
}

const isDirectory = (type: Json) => type.blob?.dimensionality === "MULTIPART";

// A file input uploads what is chosen (a whole folder for a directory); a URI may be typed instead.
function BlobField({ id, type, uri, onUri, onFiles }: {
  id: string;
  type: Json;
  uri: string;
  onUri: (uri: string) => void;
  onFiles: (files: File[]) => void;
}) {
  const folder = isDirectory(type) ? { webkitdirectory: "", directory: "" } : {};
  return (
    <div className="blob">
      <input
        id={id}
        type="file"
        multiple={isDirectory(type)}
        {...folder}
        onChange={(e) => onFiles([...(e.target.files ?? [])])}
      />
      <label htmlFor={`${id}-uri`} className="muted">
        or an existing URI
      </label>
      <input id={`${id}-uri`} value={uri} placeholder="s3://bucket/key" onChange={(e) => onUri(e.target.value)} />
    </div>
  );
}

export function LaunchForm({ launchPlan, onLaunched }: { launchPlan: Json; onLaunched: (name: string) => void }) {
  const parameters: Record<string, Json> = launchPlan.closure?.expectedInputs?.parameters ?? {};
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(parameters).map(([k, p]) => [k, initial(p)])),
  );
  const [files, setFiles] = useState<Record<string, File[]>>({});
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const id = launchPlan.id;
  const scope = { project: id.project, domain: id.domain };

  async function blobInput(name: string, type: Json): Promise<Json | undefined> {
    const chosen = files[name] ?? [];
    if (!chosen.length) return values[name] ? blobLiteral(type, values[name]) : undefined;
    setStatus(`Uploading ${name}…`);
    const uri = isDirectory(type) ? await uploadDirectory(scope, chosen) : await uploadFile(scope, chosen[0]);
    return blobLiteral(type, uri);
  }

  async function literalsOf(): Promise<Record<string, Json>> {
    const literals: Record<string, Json> = {};
    for (const [name, p] of Object.entries(parameters)) {
      const type = p.var.type;
      const given = type.blob ? (files[name]?.length ?? 0) > 0 || values[name] !== "" : values[name] !== "";
      if (!given && !p.required) continue;
      if (!given) throw new Error(`${name} is required`);
      literals[name] = type.blob ? await blobInput(name, type) : toLiteral(type, values[name]);
    }
    return literals;
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError("");
    setBusy(true);
    try {
      const literals = await literalsOf();
      setStatus("Launching…");
      const created = await post("executions", {
        project: id.project,
        domain: id.domain,
        spec: { launchPlan: { ...id, resourceType: "LAUNCH_PLAN" }, metadata: { mode: "MANUAL", principal: "console" } },
        inputs: { literals },
      });
      onLaunched(created.id.name);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
      setStatus("");
    }
  }

  return (
    <form className="launch" onSubmit={submit} aria-label="Launch form">
      {Object.entries(parameters).map(([name, p]) => {
        const type = p.var.type;
        const inputId = `input-${name}`;
        const setValue = (value: string) => setValues((v) => ({ ...v, [name]: value }));
        return (
          <div className="field" key={name}>
            <label htmlFor={inputId}>
              {name} <span className="muted">({typeName(type)}{p.required ? ", required" : ""})</span>
            </label>
            {type.blob ? (
              <BlobField
                id={inputId}
                type={type}
                uri={values[name]}
                onUri={setValue}
                onFiles={(chosen) => setFiles((f) => ({ ...f, [name]: chosen }))}
              />
            ) : type.simple === "BOOLEAN" ? (
              <select id={inputId} value={values[name]} onChange={(e) => setValue(e.target.value)}>
                <option value="">(unset)</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input
                id={inputId}
                name={name}
                value={values[name]}
                placeholder={type.simple ? "" : "JSON"}
                onChange={(e) => setValue(e.target.value)}
              />
            )}
          </div>
        );
      })}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="muted">{status}</p>
      <button type="submit" disabled={busy}>
        Launch
      </button>
    </form>
  );
}
