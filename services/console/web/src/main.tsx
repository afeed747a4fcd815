import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Entity, Execution, Project, Projects } from "./pages";
import { Link, usePath } from "./router";
import "./style.css";

function Page() {
  const parts = usePath().split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "projects" && parts[2] === "domains") {
    const [project, domain, kind, name] = [parts[1], parts[3], parts[4], parts[5]];
    if (kind === "executions" && name) return <Execution key={name} project={project} domain={domain} name={name} />;
    if (kind && name) return <Entity project={project} domain={domain} kind={kind} name={name} />;
    return <Project project={project} domain={domain} />;
  }
  return <Projects />;
}

function App() {
  return (
    <>
      <header>
        <Link to="/" className="brand">flightdeck</Link>
      </header>
      <main>
        <Page />
      </main>
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
