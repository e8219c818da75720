// The console's shell: session check, then the layout with its pages. Each
// page is a route of its own, so every view is a deep link.
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { onSession, restore, session, signOut, type Session } from './api/session';
import { closeSocket } from './api/socket';
import { useConnectionState } from './api/hooks';
import { interceptLinks, match, navigate, useLocation } from './router';
import { toggleTheme } from './theme';
import { SignIn } from './pages/SignIn';
import { Projects } from './pages/Projects';
import { ProjectPage } from './pages/Project';
import { Clusters } from './pages/Clusters';
import { Workloads } from './pages/Workloads';

import { Operations } from './pages/Operations';
import { Tokens } from './pages/Tokens';
import { Audit } from './pages/Audit';
import { Templates } from './pages/Templates';
import { CommandPalette } from './components/CommandPalette';

// The editor (CodeMirror) is the largest dependency: load it with its page only.
const Deploy = lazy(() => import('./pages/Deploy'));
const WorkloadPage = lazy(() => import('./pages/Workload'));
const TemplatePage = lazy(() => import('./pages/Template'));
const ClusterPage = lazy(() => import('./pages/Cluster'));
// xterm.js comes with the terminal page only.
const PodTerminal = lazy(() => import('./pages/PodTerminal'));
const PodLogs = lazy(() => import('./pages/PodLogs'));
const HelmInstall = lazy(() => import('./pages/HelmInstall'));
const Charts = lazy(() => import('./pages/Charts').then((m) => ({ default: m.Charts })));
const Releases = lazy(() => import('./pages/Releases').then((m) => ({ default: m.Releases })));
const HelmRelease = lazy(() => import('./pages/HelmRelease').then((m) => ({ default: m.HelmRelease })));

interface Route {
  pattern: string;
  render: (p: Record<string, string>) => ReactNode;
}
const routes: Route[] = [
  { pattern: '/projects', render: () => <Projects /> },
  { pattern: '/projects/:pid', render: (p) => <ProjectPage pid={p.pid} /> },
  { pattern: '/projects/:pid/clusters', render: (p) => <Clusters pid={p.pid} /> },
  { pattern: '/projects/:pid/clusters/:cid', render: (p) => <ClusterPage pid={p.pid} cid={p.cid} /> },
  { pattern: '/projects/:pid/workloads', render: (p) => <Workloads pid={p.pid} /> },
  { pattern: '/projects/:pid/workloads/:wid', render: (p) => <WorkloadPage pid={p.pid} wid={p.wid} /> },
  { pattern: '/projects/:pid/deploy', render: (p) => <Deploy pid={p.pid} /> },
  { pattern: '/projects/:pid/operations', render: (p) => <Operations pid={p.pid} /> },
  { pattern: '/projects/:pid/audit', render: (p) => <Audit pid={p.pid} /> },
  { pattern: '/projects/:pid/templates', render: (p) => <Templates pid={p.pid} /> },
  { pattern: '/projects/:pid/templates/:tid', render: (p) => <TemplatePage pid={p.pid} tid={p.tid} /> },
  { pattern: '/projects/:pid/charts', render: (p) => <Charts pid={p.pid} /> },
  { pattern: '/projects/:pid/charts/install', render: (p) => <HelmInstall pid={p.pid} /> },
  { pattern: '/projects/:pid/releases', render: (p) => <Releases pid={p.pid} /> },
  { pattern: '/projects/:pid/releases/:cid/:ns/:name', render: (p) => <HelmRelease pid={p.pid} cid={p.cid} ns={p.ns} name={p.name} /> },
  { pattern: '/tokens', render: () => <Tokens /> },
  { pattern: '/projects/:pid/clusters/:cid/namespaces/:ns/pods/:pod/logs', render: (p) => <PodLogs pid={p.pid} cid={p.cid} ns={p.ns} pod={p.pod} /> },
  { pattern: '/projects/:pid/clusters/:cid/namespaces/:ns/pods/:pod/terminal', render: (p) => <PodTerminal pid={p.pid} cid={p.cid} ns={p.ns} pod={p.pod} /> },
];

export function App() {
  const [s, setS] = useState<Session | null | undefined>(session() ?? undefined);
  useEffect(() => {
    const off = onSession((x) => {
      // Signed out or expired (an UNAUTHENTICATED answer): the socket's
      // session is gone too; a new sign-in opens a new one.
      if (!x) closeSocket();
      setS(x);
    });
    if (s === undefined) restore().catch(() => setS(null));
    return () => {
      off();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    document.addEventListener('click', interceptLinks);
    return () => document.removeEventListener('click', interceptLinks);
  }, []);
  if (s === undefined) return <p className="muted" style={{ padding: 24 }}>Loading…</p>;
  if (s === null) return <SignIn />;
  return <Shell session={s} />;
}

function Shell({ session: s }: { session: Session }) {
  const { path } = useLocation();
  const conn = useConnectionState();
  const [palette, setPalette] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette((p) => !p);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (path === '/' || path === '/signin') navigate('/projects', true);
  }, [path]);

  let page: ReactNode = <NotFound />;
  let params: Record<string, string> = {};
  for (const r of routes) {
    const m = match(r.pattern, path);
    if (m) {
      page = r.render(m);
      params = m;
      break;
    }
  }
  const pid = params.pid;
  const link = (href: string, label: string, exact = false) => (
    <li>
      <a href={href} aria-current={(exact ? path === href : path === href || path.startsWith(href + '/')) ? 'page' : undefined}>{label}</a>
    </li>
  );
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <a className="brand" href="/projects">BCS</a>
        <button type="button" onClick={() => setPalette(true)} aria-keyshortcuts="Control+K">Search… <kbd>Ctrl K</kbd></button>
        <span className="spacer" />
        <span className={`conn ${conn}`} role="status" aria-live="polite" data-testid="connection">
          {conn === 'connected' ? 'Live' : conn === 'reconnecting' ? 'Reconnecting…' : conn === 'connecting' ? 'Connecting…' : 'Idle'}
        </span>
        <button type="button" onClick={() => toggleTheme()} aria-label="Toggle light or dark theme">Theme</button>
        <span className="muted">{s.user.name}</span>
        <button type="button" onClick={async () => { closeSocket(); await signOut(); navigate('/', true); }}>Sign out</button>
      </header>
      <nav className="side" aria-label="Main">
        <ul>
          {link('/projects', 'Projects', true)}
          {link('/tokens', 'API tokens')}
        </ul>
        {pid && (
          <>
            <h2>Project</h2>
            <ul>
              {link(`/projects/${pid}`, 'Overview & members', true)}
              {link(`/projects/${pid}/clusters`, 'Clusters')}
              {link(`/projects/${pid}/workloads`, 'Workloads')}
              {link(`/projects/${pid}/deploy`, 'Deploy')}
              {link(`/projects/${pid}/templates`, 'Templates')}
              {link(`/projects/${pid}/charts`, 'Charts')}
              {link(`/projects/${pid}/releases`, 'Releases')}
              {link(`/projects/${pid}/operations`, 'Operations')}
              {link(`/projects/${pid}/audit`, 'Audit log')}
            </ul>
          </>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="muted">Loading…</p>}>{page}</Suspense>
      </main>
      {palette && <CommandPalette onClose={() => setPalette(false)} />}
    </div>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p><a href="/projects">Go to projects</a></p>
    </>
  );
}
