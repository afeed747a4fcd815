import { useCallback, useEffect, useMemo, useState } from "react";
import { api, type Json, keyPath, post, query, TERMINAL } from "./api";
import { PHASE_COLOURS, WorkflowGraph } from "./graph";
import { LaunchForm, typeName } from "./launch";
import { LiteralMapView } from "./literals";
import { usePhaseFeed } from "./live";
import { Link, navigate } from "./router";
import { Tabs } from "./tabs";
import { Timeline } from "./timeline";
import { TraceLink } from "./traces";

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string, () => void] {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState("");
  const reload = useCallback(() => {
    load().then(setValue, (e: Error) => setError(e.message));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return [value, error, reload];
}

export function Phase({ phase }: { phase: string }) {
  return (
    <span className="phase" data-phase={phase} style={{ borderColor: PHASE_COLOURS[phase] ?? "#57606a" }}>
      {phase}
    </span>
  );
}

export function Projects() {
  const [data, error] = useLoad(() => api("projects"), []);
  return (
    <section>
      <h1>Projects</h1>
      {error && <p role="alert">{error}</p>}
      <ul className="cards">
        {(data?.projects ?? []).map((p: Json) => (
          <li key={p.id}>
            <h2>{p.name || p.id}</h2>
            <p className="muted">{p.description}</p>
            {(p.domains ?? []).map((d: Json) => (
              <Link key={d.id} className="chip" to={`/projects/${p.id}/domains/${d.id}`}>
                {p.id} / {d.name || d.id}
              </Link>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

const RESOURCES = [
  { label: "Launch plans", type: 3, path: "launch_plans" },
  { label: "Workflows", type: 2, path: "workflows" },
  { label: "Tasks", type: 1, path: "tasks" },
];

export function Project({ project, domain }: { project: string; domain: string }) {
  const [tab, setTab] = useState(0);
  const resource = RESOURCES[tab];
  const [data] = useLoad(
    () => api(`named_entities/${resource.type}/${project}/${domain}${query({ limit: 200, "sort_by.key": "name", "sort_by.direction": "ASCENDING" })}`),
    [project, domain, tab],
  );
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Projects</Link> / {project} / {domain}
      </nav>
      <h1>{project}</h1>
      <Tabs id="entities" tabs={RESOURCES.map((r, i) => ({ key: String(i), label: r.label }))} selected={String(tab)} onSelect={(k) => setTab(Number(k))}>
        <ul className="list" aria-label={resource.label}>
          {(data?.entities ?? []).map((e: Json) => (
            <li key={e.id.name}>
              <Link to={`/projects/${project}/domains/${domain}/${resource.path}/${e.id.name}`}>{e.id.name}</Link>
            </li>
          ))}
        </ul>
      </Tabs>
      <Executions project={project} domain={domain} />
      <Attributes project={project} domain={domain} />
    </section>
  );
}

export function Entity({ project, domain, kind, name }: { project: string; domain: string; kind: string; name: string }) {
  const [data, error] = useLoad(
    () => api(`${kind}/${project}/${domain}/${encodeURIComponent(name)}${query({ limit: 20, "sort_by.key": "created_at", "sort_by.direction": "DESCENDING" })}`),
    [project, domain, kind, name],
  );
  const items: Json[] = data?.launchPlans ?? data?.workflows ?? data?.tasks ?? [];
  const latest = items[0];
  const iface = latest?.closure?.compiledWorkflow?.primary?.template?.interface ?? latest?.closure?.compiledTask?.template?.interface;
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Projects</Link> / <Link to={`/projects/${project}/domains/${domain}`}>{project}</Link> / {name}
      </nav>
      <h1>{name}</h1>
      {error && <p role="alert">{error}</p>}
      {kind === "launch_plans" && latest && (
        <>
          <h2>Launch</h2>
          <LaunchForm launchPlan={latest} onLaunched={(run) => navigate(`/projects/${project}/domains/${domain}/executions/${run}`)} />
        </>
      )}
      {iface && (
        <>
          <h2>Interface</h2>
          <InterfaceTable variables={iface.inputs?.variables} title="Inputs" />
          <InterfaceTable variables={iface.outputs?.variables} title="Outputs" />
        </>
      )}
      <h2>Versions</h2>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id.version}>
              <td>
                <code>{i.id.version}</code>
              </td>
              <td>{i.closure?.createdAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function InterfaceTable({ variables, title }: { variables?: Record<string, Json>; title: string }) {
  const entries = Object.entries(variables ?? {});
  return (
    <table aria-label={title}>
      <caption>{title}</caption>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{typeName(v.type)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const PHASES = ["", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"];

export function Executions({ project, domain }: { project: string; domain: string }) {
  const [phase, setPhase] = useState("");
  const [name, setName] = useState("");
  const [user, setUser] = useState("");
  const [after, setAfter] = useState("");
  const [before, setBefore] = useState("");
  const [sort, setSort] = useState("created_at:DESCENDING");
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens[tokens.length - 1];
  const iso = (local: string) => new Date(local).toISOString();
  const filters = [
    phase && `eq(phase,${phase})`,
    name && `contains(execution_name,${name})`,
    user && `eq(user,${user})`,
    after && `gte(created_at,${iso(after)})`,
    before && `lte(created_at,${iso(before)})`,
  ]
    .filter(Boolean)
    .join("+");
  const [sortKey, sortDirection] = sort.split(":");
  const [data, error, reload] = useLoad(
    () => api(`executions/${project}/${domain}${query({ limit: 25, token, filters, "sort_by.key": sortKey, "sort_by.direction": sortDirection })}`),
    [project, domain, token, filters, sort],
  );
  // A filter or sort change starts again from the first page (tokens belong to one query).
  const restart = (set: (v: string) => void) => (v: string) => {
    set(v);
    setTokens([""]);
  };
  const [rows, setRows] = useState<Json[]>([]);
  useEffect(() => setRows(data?.executions ?? []), [data]);
  usePhaseFeed(
    { project, domain },
    (change) => {
      if (change.entity !== "workflow") return;
      const known = rows.some((r) => r.id.name === change.executionId.name);
      if (!known && token === "") return reload();
      setRows((current) =>
        current.map((r) => (r.id.name === change.executionId.name ? { ...r, closure: { ...r.closure, phase: change.phase } } : r)),
      );
    },
    reload,
  );
  return (
    <section aria-label="Executions">
      <h2>Executions</h2>
      <div className="filters">
        <label>
          Phase{" "}
          <select value={phase} onChange={(e) => restart(setPhase)(e.target.value)}>
            {PHASES.map((p) => (
              <option key={p} value={p}>{p || "any"}</option>
            ))}
          </select>
        </label>
        <label>
          Name <input value={name} onChange={(e) => restart(setName)(e.target.value)} />
        </label>
        <label>
          Started by <input value={user} onChange={(e) => restart(setUser)(e.target.value)} />
        </label>
        <label>
          Created after <input type="datetime-local" value={after} onChange={(e) => restart(setAfter)(e.target.value)} />
        </label>
        <label>
          Created before <input type="datetime-local" value={before} onChange={(e) => restart(setBefore)(e.target.value)} />
        </label>
        <label>
          Sort{" "}
          <select value={sort} onChange={(e) => restart(setSort)(e.target.value)}>
            <option value="created_at:DESCENDING">newest first</option>
            <option value="created_at:ASCENDING">oldest first</option>
            <option value="duration:DESCENDING">longest first</option>
          </select>
        </label>
      </div>
      {error && <p role="alert">{error}</p>}
      <table className="executions">
        <thead>
          <tr>
            <th>Name</th>
            <th>Launch plan</th>
            <th>Phase</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id.name} data-execution={e.id.name}>
              <td>
                <Link to={`/projects/${project}/domains/${domain}/executions/${e.id.name}`}>{e.id.name}</Link>
              </td>
              <td>{e.spec?.launchPlan?.name}</td>
              <td><Phase phase={e.closure?.phase} /></td>
              <td>{e.closure?.startedAt}</td>
              <td>{e.closure?.duration}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>Previous</button>
        <button disabled={!data?.token} onClick={() => setTokens([...tokens, data.token])}>Next</button>
      </div>
    </section>
  );
}

const EXECUTION_TABS = [
  { key: "graph", label: "graph" },
  { key: "nodes", label: "nodes" },
  { key: "timeline", label: "timeline" },
] as const;

export function Execution({ project, domain, name }: { project: string; domain: string; name: string }) {
  const key = { project, domain, name };
  const [execution, error, reloadExecution] = useLoad(() => api(`executions/${keyPath(key)}`), [name]);
  const [nodes, , reloadNodes] = useLoad(() => api(`node_executions/${keyPath(key)}${query({ limit: 1000 })}`), [name]);
  const [data, , reloadData] = useLoad(() => api(`data/executions/${keyPath(key)}`), [name]);
  const wfId = execution?.closure?.workflowId;
  const [workflow] = useLoad(
    () => (wfId ? api(`workflows/${wfId.project}/${wfId.domain}/${encodeURIComponent(wfId.name)}/${encodeURIComponent(wfId.version)}`) : Promise.resolve(undefined)),
    [wfId?.version, wfId?.name],
  );
  const [signals, , reloadSignals] = useLoad(() => api(`signals/${keyPath(key)}${query({ limit: 100 })}`).catch(() => ({ signals: [] })), [name]);
  const [tab, setTab] = useState<"graph" | "nodes" | "timeline">("graph");
  const reload = () => {
    reloadExecution();
    reloadNodes();
    reloadData();
    reloadSignals();
  };
  const [phases, setPhases] = useState<Record<string, string>>({});
  // Counts feed changes: expanded children and the timeline read their rows again on each.
  const [tick, setTick] = useState(0);
  const nodeList: Json[] = useMemo(() => nodes?.nodeExecutions ?? [], [nodes]);
  useEffect(() => setPhases(Object.fromEntries(nodeList.map((n) => [n.id.nodeId, n.closure.phase]))), [nodeList]);
  usePhaseFeed(key, (change) => {
    if (change.entity === "node") setPhases((p) => ({ ...p, [change.nodeId]: change.phase }));
    if (change.entity !== "task") reload();
    setTick((t) => t + 1);
  }, () => {
    reload();
    setTick((t) => t + 1);
  });
  const phase = execution?.closure?.phase ?? "";
  const [actionError, setActionError] = useState("");
  const act = (path: string, body: Json, method = "POST") => {
    setActionError("");
    api(path, { method, body: JSON.stringify(body) }).then(
      (r: Json) => (r?.id?.name ? navigate(`/projects/${project}/domains/${domain}/executions/${r.id.name}`) : reload()),
      (e: Error) => setActionError(e.message),
    );
  };
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Projects</Link> / <Link to={`/projects/${project}/domains/${domain}`}>{project}</Link> / {name}
      </nav>
      <h1>
        {name} <Phase phase={phase} />
      </h1>
      {error && <p role="alert">{error}</p>}
      {execution && <TraceLink execution={key} createdAt={execution.closure?.createdAt} />}
      <div className="actions">
        <button disabled={TERMINAL.has(phase)} onClick={() => act(`executions/${keyPath(key)}`, { cause: "terminated from the console" }, "DELETE")}>Terminate</button>
        <button onClick={() => act("executions/relaunch", { id: key })}>Relaunch</button>
        <button disabled={phase !== "FAILED"} onClick={() => act("executions/recover", { id: key })}>Recover</button>
      </div>
      {actionError && <p role="alert" className="error">{actionError}</p>}
      {execution?.closure?.error && (
        <pre role="alert" className="error">{execution.closure.error.message}</pre>
      )}
      <Signals execution={key} signals={signals?.signals ?? []} onSet={reload} onError={setActionError} />
      <Tabs id="execution" tabs={EXECUTION_TABS} selected={tab} onSelect={setTab}>
        {tab === "graph" && <WorkflowGraph execution={key} workflow={workflow} nodes={nodeList} phases={phases} tick={tick} />}
        {tab === "timeline" && <Timeline execution={key} nodes={nodeList} tick={tick} />}
        {tab === "nodes" && (
          <table aria-label="Node executions">
            <thead>
              <tr><th>Node</th><th>Phase</th><th>Started</th><th>Duration</th><th>Error</th><th>Logs</th></tr>
            </thead>
            <tbody>
              {nodeList.map((n) => (
                <tr key={n.id.nodeId}>
                  <td>{n.id.nodeId}</td>
                  <td><Phase phase={phases[n.id.nodeId] ?? n.closure.phase} /></td>
                  <td>{n.closure.startedAt}</td>
                  <td>{n.closure.duration}</td>
                  <td>{n.closure.error?.message}</td>
                  <td><NodeLogs execution={key} nodeId={n.id.nodeId} phase={phases[n.id.nodeId] ?? n.closure.phase} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Tabs>
      <div className="io">
        <div>
          <h2>Inputs</h2>
          <LiteralMapView literals={data?.fullInputs?.literals} empty="No inputs." />
        </div>
        <div>
          <h2>Outputs</h2>
          <LiteralMapView literals={data?.fullOutputs?.literals} empty="No outputs yet." />
        </div>
      </div>
    </section>
  );
}

function Signals({ execution, signals, onSet, onError }: { execution: Json; signals: Json[]; onSet: () => void; onError: (message: string) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const waiting = signals.filter((s) => !s.value || !Object.keys(s.value).length);
  if (!waiting.length) return null;
  return (
    <section aria-label="Signals" className="signals">
      <h2>Waiting for input</h2>
      {waiting.map((s) => {
        const id = s.id.signalId;
        const isBool = s.type?.simple === "BOOLEAN";
        const set = (text: string) =>
          post("signals", { id: { executionId: execution, signalId: id }, value: { scalar: { primitive: primitiveOf(s.type, text) } } }).then(onSet, (e: Error) => onError(e.message));
        return (
          <div key={id} className="field">
            <label htmlFor={`signal-${id}`}>{id} ({typeName(s.type)})</label>
            {isBool ? (
              <button id={`signal-${id}`} onClick={() => set("true")}>Approve</button>
            ) : (
              <>
                <input id={`signal-${id}`} value={values[id] ?? ""} onChange={(e) => setValues({ ...values, [id]: e.target.value })} />
                <button onClick={() => set(values[id] ?? "")}>Set value</button>
              </>
            )}
          </div>
        );
      })}
    </section>
  );
}

function primitiveOf(type: Json, text: string): Json {
  switch (type?.simple) {
    case "INTEGER": return { integer: text };
    case "FLOAT": return { floatValue: Number(text) };
    case "BOOLEAN": return { boolean: text === "true" };
    default: return { stringValue: text };
  }
}

const ATTRIBUTE_TYPES = [
  "TASK_RESOURCE",
  "CLUSTER_RESOURCE",
  "EXECUTION_QUEUE",
  "EXECUTION_CLUSTER_LABEL",
  "QUALITY_OF_SERVICE_SPECIFICATION",
  "PLUGIN_OVERRIDE",
  "WORKFLOW_EXECUTION_CONFIG",
  "CLUSTER_ASSIGNMENT",
];

// The project-domain's matchable attributes, one resource type at a time, edited as JSON
// (the API's MatchingAttributes, e.g. {"taskResourceAttributes": {"defaults": {"cpu": "1"}}}).
export function Attributes({ project, domain }: { project: string; domain: string }) {
  const [type, setType] = useState(ATTRIBUTE_TYPES[0]);
  const [text, setText] = useState("");
  const [status, setStatus] = useState("");
  const path = `project_domain_attributes/${project}/${domain}`;
  useEffect(() => {
    // Empty while loading, and a late answer for a previous type never overwrites the editor.
    let current = true;
    setStatus("");
    setText("");
    api(`${path}${query({ resource_type: type })}`).then(
      (r: Json) => current && setText(JSON.stringify(r.attributes?.matchingAttributes ?? {}, null, 2)),
      () => current && setText("{}"),
    );
    return () => {
      current = false;
    };
  }, [path, type]);
  async function save() {
    try {
      const matchingAttributes = JSON.parse(text);
      await api(path, { method: "PUT", body: JSON.stringify({ attributes: { project, domain, matchingAttributes } }) });
      setStatus("Saved.");
    } catch (e) {
      setStatus((e as Error).message);
    }
  }
  return (
    <section aria-label="Attributes">
      <h2>Attributes</h2>
      <label>
        Resource type{" "}
        <select value={type} onChange={(e) => setType(e.target.value)}>
          {ATTRIBUTE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <div className="field">
        <label htmlFor="attributes-json">Matching attributes (JSON)</label>
        <textarea id="attributes-json" rows={6} value={text} disabled={text === ""} onChange={(e) => setText(e.target.value)} />
      </div>
      <button onClick={save}>Save attributes</button> <span role="status">{status}</span>
    </section>
  );
}

// The log links of a node's task attempts (empty for nodes that run no task).
function NodeLogs({ execution, nodeId, phase }: { execution: Json; nodeId: string; phase: string }) {
  const [data] = useLoad(
    () => api(`task_executions/${keyPath(execution)}/${encodeURIComponent(nodeId)}${query({ limit: 20 })}`).catch(() => ({})),
    [nodeId, phase],
  );
  const links = (data?.taskExecutions ?? []).flatMap((t: Json) =>
    (t.closure?.logs ?? []).map((log: Json) => ({ ...log, attempt: t.id.retryAttempt ?? 0 })),
  );
  return (
    <>
      {links.map((log: Json) => (
        <a key={`${log.attempt}-${log.uri}`} href={log.uri} target="_blank" rel="noreferrer" className="chip">
          {log.name || "log"} (attempt {log.attempt})
        </a>
      ))}
    </>
  );
}
