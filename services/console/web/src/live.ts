import { useEffect, useRef } from "react";
import type { ExecutionKey } from "./api";

export interface PhaseChange {
  executionId: ExecutionKey;
  entity: "workflow" | "node" | "task";
  nodeId: string;
  phase: string;
  terminal: boolean;
}

// Follows the console service's feed of phase changes (SSE) for a scope; `onResync` runs when
// the stream (re)connects or the server says changes were missed, so the page refetches.
export function usePhaseFeed(
  scope: Partial<ExecutionKey>,
  onChange: (change: PhaseChange) => void,
  onResync: () => void,
) {
  const handlers = useRef({ onChange, onResync });
  handlers.current = { onChange, onResync };
  const params = new URLSearchParams(Object.entries(scope).filter(([, v]) => v) as [string, string][]).toString();
  useEffect(() => {
    const source = new EventSource(`/console/api/events?${params}`);
    let opened = false;
    source.onopen = () => {
      if (opened) handlers.current.onResync();
      opened = true;
    };
    source.addEventListener("phase", (e) => handlers.current.onChange(JSON.parse((e as MessageEvent).data)));
    source.addEventListener("resync", () => handlers.current.onResync());
    return () => source.close();
  }, [params]);
}
