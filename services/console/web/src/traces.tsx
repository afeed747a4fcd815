import { useEffect, useState } from "react";
import type { ExecutionKey } from "./api";

export interface TraceConfig {
  uiUrl: string;
  service: string;
  tag: string;
}

let loaded: Promise<TraceConfig | null> | undefined;

// The console back end says where traces are (null when tracing is off); asked once per page load.
export function traceConfig(): Promise<TraceConfig | null> {
  loaded ??= fetch("/console/api/config")
    .then((r) => (r.ok ? r.json() : { traces: null }))
    .then((c) => c.traces ?? null, () => null);
  return loaded;
}

const HOUR_US = 3600 * 1_000_000;

// Jaeger's search for the spans tagged with the execution (admin tags the call that created it),
// over the time around its creation so runs older than Jaeger's default look-back are found.
export function traceSearchUrl(config: TraceConfig, execution: ExecutionKey, createdAt?: string, now = Date.now()): string {
  const created = createdAt ? Date.parse(createdAt) * 1000 : now * 1000 - HOUR_US;
  const params = new URLSearchParams({
    service: config.service,
    tags: JSON.stringify({ [config.tag]: `${execution.project}/${execution.domain}/${execution.name}` }),
    lookback: "custom",
    start: String(created - HOUR_US),
    end: String(Math.max(now * 1000, created) + HOUR_US),
    limit: "20",
  });
  return `${config.uiUrl}/search?${params}`;
}

export function TraceLink({ execution, createdAt }: { execution: ExecutionKey; createdAt?: string }) {
  const [config, setConfig] = useState<TraceConfig | null>(null);
  useEffect(() => {
    traceConfig().then(setConfig);
  }, []);
  if (!config) return null;
  return (
    <p>
      <a href={traceSearchUrl(config, execution, createdAt)} target="_blank" rel="noreferrer" className="trace">
        Trace in Jaeger
      </a>
    </p>
  );
}

