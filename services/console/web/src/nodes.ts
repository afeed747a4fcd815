// Reads below the top level of an execution: a node's children, its task attempts, and the
// workflow a dynamic node compiled at run time.
import { api, type ExecutionKey, type Json, keyPath, query } from "./api";

const node = (id: string) => encodeURIComponent(id);

export const childNodes = (execution: ExecutionKey, parentId: string): Promise<Json> =>
  api(`node_executions/${keyPath(execution)}${query({ unique_parent_id: parentId, limit: 1000 })}`);

export const taskAttempts = (execution: ExecutionKey, nodeId: string): Promise<Json> =>
  api(`task_executions/${keyPath(execution)}/${node(nodeId)}${query({ limit: 100 })}`);

export const dynamicWorkflow = async (execution: ExecutionKey, nodeId: string): Promise<Json> =>
  (await api(`data/node_executions/${keyPath(execution)}/${node(nodeId)}`)).dynamicWorkflow?.compiledWorkflow;

export function branchCases(spec: Json): Json[] {
  const ifElse = spec?.branchNode?.ifElse;
  if (!ifElse) return [];
  return [ifElse.case?.thenNode, ...(ifElse.other ?? []).map((o: Json) => o.thenNode), ifElse.elseNode].filter(Boolean);
}
