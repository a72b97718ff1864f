// App shell: login gate, header with workspace and logout, left navigation and the page router.
import { lazy, Suspense, useEffect, useState } from "react";
import { clearToken, getToken, setUnauthorizedHandler, whoami, type WhoAmI } from "./api";
import { Link, navigate, useRoute } from "./router";
import { errorText, Loading } from "./ui";
import { Login } from "./pages/Login";
import { DatasetDetail, Datasets } from "./pages/Datasets";
import { Train } from "./pages/Train";
import { Compare, Runs } from "./pages/Runs";
import { RunDetail } from "./pages/RunDetail";
import { ModelDetail, Models } from "./pages/Models";
import { EndpointDetail, Endpoints } from "./pages/Endpoints";
import { JobDetail, Jobs } from "./pages/Jobs";
import { Collections } from "./pages/vectors/List";
import { CollectionDetail } from "./pages/vectors/Detail";
import { Pipelines } from "./pages/pipelines/List";

/** The pipeline editor (React Flow) loads on first visit, keeping it out of the main bundle. */
const PipelineEditor = lazy(() => import("./pages/pipelines/Editor").then((m) => ({ default: m.PipelineEditor })));

const NAV: [string, string][] = [
  ["datasets", "Datasets"],
  ["pipelines", "Pipelines"],
  ["train", "Train"],
  ["runs", "Runs"],
  ["models", "Models"],
  ["endpoints", "Endpoints"],
  ["vectors", "Vectors"],
  ["jobs", "Jobs"],
];

function Page({ path }: { path: string[] }) {
  const [section, id] = path;
  switch (section) {
    case undefined:
    case "datasets":
      return id ? <DatasetDetail id={id} /> : <Datasets />;
    case "train":
      return <Train />;
    case "runs":
      if (id === "compare") return <Compare />;
      return id ? <RunDetail id={id} /> : <Runs />;
    case "models":
      return id ? <ModelDetail name={id} /> : <Models />;
    case "endpoints":
      return id ? <EndpointDetail name={id} /> : <Endpoints />;
    case "vectors":
      return id ? <CollectionDetail name={id} /> : <Collections />;
    case "jobs":
      return id ? <JobDetail id={id} /> : <Jobs />;
    case "pipelines":
      if (!id) return <Pipelines />;
      return (
        <Suspense fallback={<Loading what="editor" />}>
          <PipelineEditor name={id === "new" ? undefined : id} tab={path[2]} />
        </Suspense>
      );
    default:
      return <div className="alert alert-error">No page at #/{path.join("/")}</div>;
  }
}

export function App() {
  const path = useRoute();
  const [me, setMe] = useState<WhoAmI | null>(null);
  const [checking, setChecking] = useState(() => getToken() !== null);
  const [message, setMessage] = useState<string>();

  useEffect(() => {
    setUnauthorizedHandler((msg) => {
      setMe(null);
      setMessage(msg);
    });
    if (!getToken()) return;
    whoami()
      .then(setMe)
      .catch((err: unknown) => setMessage(errorText(err)))
      .finally(() => setChecking(false));
  }, []);

  const logout = () => {
    clearToken();
    setMe(null);
    setMessage("You are signed out.");
    navigate("/datasets");
  };

  if (checking) return <Loading what="session" />;
  if (!me)
    return (
      <Login
        message={message}
        onLogin={(who) => {
          setMessage(undefined);
          setMe(who);
        }}
      />
    );

  const section = path[0] ?? "datasets";
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <span className="logo">◆</span> Loom
          </div>
          <nav>
            {NAV.map(([key, label]) => (
              <Link key={key} to={`/${key}`} testId={`nav-${key}`} className={section === key ? "active" : undefined}>
                {label}
              </Link>
            ))}
          </nav>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="crumbs muted">{path.length ? path.join(" / ") : "datasets"}</div>
          <div className="who">
            <span className="muted">workspace</span>{" "}
            <strong data-testid="workspace-name">{me.workspace.name}</strong>
            <span className="muted token-name" title={`token ${me.token.id}`}>
              {me.token.name} · {me.token.scope}
            </span>
            <button className="btn btn-ghost" data-testid="logout" onClick={logout}>
              Log out
            </button>
          </div>
        </header>
        <main className="content">
          <Page path={path} />
        </main>
      </div>
    </div>
  );
}
