// The public REST API (flyteadmin's /api/v1 routes, proto3 JSON), on the console's own origin.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

export async function api(path: string, init?: RequestInit): Promise<Json> {
  const response = await fetch(`/api/v1/${path}`, {
    ...init,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(body.message ?? body.error ?? `${response.status} ${path}`);
  return body;
}

export const post = (path: string, body: Json) =>
  api(path, { method: "POST", body: JSON.stringify(body) });

export interface ExecutionKey {
  project: string;
  domain: string;
  name: string;
}

export const keyPath = (k: ExecutionKey) =>
  [k.project, k.domain, k.name].map(encodeURIComponent).join("/");

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const TERMINAL = new Set(["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "SKIPPED", "RECOVERED"]);
