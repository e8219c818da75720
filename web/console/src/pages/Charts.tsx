// A project's chart repositories (maintainers add and remove them) and the
// charts each one serves, with their versions and default values.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ProjectQuery } from '../api/ops';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { AddChartRepositoryMutation, ChartRepositoriesQuery, ChartsQuery, ChartValuesQuery, RemoveChartRepositoryMutation, installPath } from './HelmOps';

const repoFields = ['name', 'url', 'username', 'password'];

export function Charts({ pid }: { pid: string }) {
  const repos = useQuery(ChartRepositoriesQuery, { projectID: pid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const add = useMutation(AddChartRepositoryMutation);
  const remove = useMutation(RemoveChartRepositoryMutation);
  const [form, setForm] = useState({ name: '', url: '', username: '', password: '', plainHTTP: false });
  const [selected, setSelected] = useState<string | undefined>();
  const list = repos.data?.chartRepositories ?? [];
  const repo = list.find((r) => r.id === selected) ?? list[0];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await add.run({
      input: { projectID: pid, name: form.name.trim(), url: form.url.trim(), username: form.username || undefined, password: form.password || undefined, plainHTTP: form.plainHTTP },
    });
    // The password leaves the page with the request: it is never shown back.
    setForm((f) => ({ ...f, password: '' }));
    if (r) {
      setForm({ name: '', url: '', username: '', password: '', plainHTTP: false });
      setSelected(r.addChartRepository.id);
      repos.reload();
    }
  };
  const drop = async (id: string, name: string) => {
    if (!confirm(`Remove the chart repository ${name}? Releases installed from it stay.`)) return;
    if (await remove.run({ id })) repos.reload();
  };
  return (
    <>
      <h1>Charts</h1>
      <p className="muted">Helm charts from the project's repositories. <a href={`/projects/${pid}/releases`}>Releases</a> lists what is installed.</p>
      <ErrorView error={repos.error ?? remove.error} />
      <div className="panel">
        <h2>Repositories</h2>
        <table aria-label="chart repositories">
          <thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Kind</th><th scope="col">Credentials</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-repo={r.name} aria-selected={r.id === repo?.id}>
                <td><button type="button" onClick={() => setSelected(r.id)} aria-pressed={r.id === repo?.id}>{r.name}</button></td>
                <td><code>{r.url}</code>{r.plainHTTP && <span className="badge">plain HTTP</span>}</td>
                <td>{r.kind}</td>
                <td>{r.username || <span className="muted">anonymous</span>}{r.hasPassword && <span className="badge" title="A password is stored; it is never shown">password set</span>}</td>
                <td><Gated can={can} action="projectEdit" className="danger" disabled={remove.busy} onClick={() => drop(r.id, r.name)}>Remove</Gated></td>
              </tr>
            ))}
            {repos.data && !list.length && <tr><td colSpan={5} className="muted">No chart repositories yet.</td></tr>}
          </tbody>
        </table>
      </div>
      <form className="panel" onSubmit={submit} aria-labelledby="new-repo" autoComplete="off">
        <h2 id="new-repo">Add a repository</h2>
        <div className="row">
          <div><label htmlFor="repo-name">Name</label><input id="repo-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required /></div>
          <div><label htmlFor="repo-url">URL</label><input id="repo-url" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} placeholder="oci://registry.example.com/charts" required /></div>
          <div><label htmlFor="repo-user">Username</label><input id="repo-user" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} /></div>
          <div><label htmlFor="repo-pass">Password</label><input id="repo-pass" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} /></div>
          <label className="row" style={{ fontWeight: 400 }}><input type="checkbox" checked={form.plainHTTP} onChange={(e) => setForm({ ...form, plainHTTP: e.target.checked })} /> plain HTTP (OCI)</label>
          <Gated can={can} action="projectEdit" type="submit" className="primary" disabled={add.busy}>Add</Gated>
        </div>
        {repoFields.map((f) => <ErrorView key={f} error={add.error} field={f} />)}
        <FormError error={add.error} fields={repoFields} />
      </form>
      {repo && <RepositoryCharts key={repo.id} pid={pid} repositoryID={repo.id} name={repo.name} />}
    </>
  );
}

function RepositoryCharts({ pid, repositoryID, name }: { pid: string; repositoryID: string; name: string }) {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const q = useQuery(ChartsQuery, { repositoryID, search: applied || undefined });
  const [values, setValues] = useState<{ chart: string; version: string } | undefined>();
  return (
    <section className="panel" aria-labelledby="repo-charts">
      <h2 id="repo-charts">Charts in {name}</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); setApplied(search.trim()); }} role="search">
        <label htmlFor="chart-search" className="skip">Search charts</label>
        <input id="chart-search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="chart name contains…" />
        <button type="submit">Search</button>
      </form>
      <ErrorView error={q.error} />
      {q.loading && <p className="muted">Loading…</p>}
      {q.data && !q.data.charts.length && <p className="muted">No charts{applied ? ` matching “${applied}”` : ''}.</p>}
      {q.data?.charts.map((c) => (
        <details key={c.reference} data-chart={c.name}>
          <summary><strong>{c.name}</strong> <span className="muted">{c.versions[0]?.version} — {c.description}</span></summary>
          <p><code>{c.reference}</code></p>
          <table aria-label={`versions of ${c.name}`}>
            <thead><tr><th scope="col">Version</th><th scope="col">App version</th><th scope="col">Description</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
            <tbody>
              {c.versions.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td><td>{v.appVersion}</td><td>{v.description}</td>
                  <td>
                    <button type="button" onClick={() => setValues({ chart: c.name, version: v.version })}>Default values</button>
                    <a className="button" href={installPath(pid, c.reference, v.version)}>Install…</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {values?.chart === c.name && <DefaultValues repositoryID={repositoryID} chart={c.name} version={values.version} />}
        </details>
      ))}
    </section>
  );
}

function DefaultValues({ repositoryID, chart, version }: { repositoryID: string; chart: string; version: string }) {
  // defaultValues is fetched from the repository per version: asked for only
  // when the reader opens it, and only for that version.
  const q = useQuery(ChartValuesQuery, { repositoryID, search: chart, version });
  const v = q.data?.charts.find((c) => c.name === chart)?.versions.find((x) => x.version === version);
  return (
    <div aria-live="polite">
      <h3>Default values of {chart} {version}</h3>
      <ErrorView error={q.error} />
      {q.loading ? <p className="muted">Loading…</p> : <pre className="yaml" data-testid="default-values">{v?.defaultValues || '# (no values.yaml)'}</pre>}
    </div>
  );
}
