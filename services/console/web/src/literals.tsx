import type { Json } from "./api";

// Renders a flyteidl Literal / LiteralMap in proto3 JSON as people read values.
export function literalText(literal: Json): string {
  if (!literal) return "";
  if (literal.collection) return `[${(literal.collection.literals ?? []).map(literalText).join(", ")}]`;
  if (literal.map) {
    const entries = Object.entries(literal.map.literals ?? {}).map(([k, v]) => `${k}: ${literalText(v)}`);
    return `{${entries.join(", ")}}`;
  }
  const s = literal.scalar;
  if (!s) return JSON.stringify(literal);
  if (s.primitive) {
    const p = s.primitive;
    if (p.stringValue !== undefined) return JSON.stringify(p.stringValue);
    if (p.integer !== undefined) return String(p.integer);
    if (p.floatValue !== undefined) return String(p.floatValue);
    if (p.boolean !== undefined) return String(p.boolean);
    if (p.datetime !== undefined) return p.datetime;
    if (p.duration !== undefined) return p.duration;
  }
  if (s.noneType !== undefined) return "none";
  if (s.blob) return s.blob.uri;
  if (s.structuredDataset) return s.structuredDataset.uri;
  if (s.generic !== undefined) return JSON.stringify(s.generic);
  if (s.union) return literalText(s.union.value);
  if (s.error) return `error: ${s.error.message}`;
  if (s.binary) return `binary (${s.binary.tag || "bytes"})`;
  return JSON.stringify(s);
}

export function LiteralMapView({ literals, empty }: { literals: Json; empty: string }) {
  const entries = Object.entries(literals ?? {});
  if (!entries.length) return <p className="muted">{empty}</p>;
  return (
    <table className="kv">
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <code>{literalText(value)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
