import { useState } from "react";
import { type Json, post } from "./api";
import { literalText } from "./literals";

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

export function LaunchForm({ launchPlan, onLaunched }: { launchPlan: Json; onLaunched: (name: string) => void }) {
  const parameters: Record<string, Json> = launchPlan.closure?.expectedInputs?.parameters ?? {};
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(parameters).map(([k, p]) => [k, initial(p)])),
  );
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError("");
    try {
      const literals: Record<string, Json> = {};
      for (const [name, p] of Object.entries(parameters)) {
        if (values[name] === "" && !p.required) continue;
        if (values[name] === "") throw new Error(`${name} is required`);
        literals[name] = toLiteral(p.var.type, values[name]);
      }
      setBusy(true);
      const id = launchPlan.id;
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
    }
  }

  return (
    <form className="launch" onSubmit={submit} aria-label="Launch form">
      {Object.entries(parameters).map(([name, p]) => {
        const type = p.var.type;
        const id = `input-${name}`;
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>
              {name} <span className="muted">({typeName(type)}{p.required ? ", required" : ""})</span>
            </label>
            {type.simple === "BOOLEAN" ? (
              <select id={id} value={values[name]} onChange={(e) => setValues({ ...values, [name]: e.target.value })}>
                <option value="">(unset)</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input
                id={id}
                name={name}
                value={values[name]}
                placeholder={type.simple ? "" : "JSON"}
                onChange={(e) => setValues({ ...values, [name]: e.target.value })}
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
      <button type="submit" disabled={busy}>
        Launch
      </button>
    </form>
  );
}
