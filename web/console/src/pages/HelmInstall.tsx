// Install a chart, or upgrade a release: values in the YAML editor, a
// Preview (the server-side dry run: the objects, and on upgrade the values
// diff), then Install/Upgrade of exactly what was previewed, followed live.
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ClustersQuery, ProjectQuery } from '../api/ops';
import { manifestErrorLine } from '../api/errors';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { useOperation, type Op } from '../components/OperationStatus';
import { YamlEditor, yamlProblems } from '../components/YamlEditor';
import { useLocation } from '../router';
import { HelmDiff } from './HelmDiff';
import { ChartRepositoriesQuery, ChartsQuery, InstallReleaseMutation, ReleaseRevisionQuery, UpgradeReleaseMutation, formKey, previewOf, releaseInput, releasePath, type InstallForm } from './HelmOps';

const fields = ['clusterID', 'namespace', 'name', 'chart', 'version', 'values'];

export default function HelmInstall({ pid }: { pid: string }) {
  const { query } = useLocation();
  const upgrade = query.get('upgrade') === '1';
  const clusters = useQuery(ClustersQuery, { id: pid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const list = clusters.data?.project.clusters.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? [];
  const [form, setForm] = useState<InstallForm>({
    clusterID: query.get('cluster') ?? '',
    namespace: query.get('namespace') ?? 'default',
    name: query.get('name') ?? '',
    chart: query.get('chart') ?? '',
    version: query.get('version') ?? '',
    values: '',
  });
  const f = { ...form, clusterID: form.clusterID || list[0]?.id || '' };
  // An upgrade starts from the values the release runs with now.
  const current = useQuery(ReleaseRevisionQuery, { clusterID: f.clusterID, namespace: f.namespace, name: f.name }, !upgrade || !form.clusterID || !form.name);
  const currentValues = current.data?.release.values;
  useEffect(() => {
    if (currentValues !== undefined) setForm((x) => ({ ...x, values: currentValues === '{}\n' || currentValues === '{}' ? '' : currentValues }));
  }, [currentValues]);

  const inst = useMutation(InstallReleaseMutation);
  const upg = useMutation(UpgradeReleaseMutation);
  const install = upgrade ? upg : inst;
  // A release records its chart's name, not where it came from: look the
  // name up in the project's repositories and take the reference when
  // exactly one repository has it.
  const bare = upgrade && !!form.chart && !form.chart.includes('/');
  const repos = useQuery(ChartRepositoriesQuery, { projectID: pid }, !bare);
  const [refs, setRefs] = useState<Record<string, string[]>>({});
  const found = [...new Set(Object.values(refs).flat())];
  useEffect(() => {
    if (found.length === 1 && bare) setForm((x) => (x.chart.includes('/') ? x : { ...x, chart: found[0] }));
  }, [found.join(' '), bare]); // eslint-disable-line react-hooks/exhaustive-deps
  const [preview, setPreview] = useState<{ key: string; op: Op } | undefined>();
  const [started, setStarted] = useState<Op | undefined>();
  const op = useOperation(started);
  const problems = useMemo(() => yamlProblems(form.values), [form.values]);
  const err = install.error;
  const errLine = problems[0]?.line ?? (err && err.field === 'values' ? manifestErrorLine(err, form.values) : undefined);
  const key = formKey(f);
  const previewed = preview && preview.key === key && preview.op.status === 'SUCCEEDED';
  const action = upgrade ? 'Upgrade' : 'Install';

  const run = async (dryRun: boolean) => {
    if (!dryRun) setStarted(undefined);
    const input = releaseInput(f, dryRun);
    const o: Op | undefined = upgrade ? (await upg.run({ input }))?.upgradeRelease : (await inst.run({ input }))?.installRelease;
    if (!o) return;
    if (dryRun) setPreview({ key, op: o });
    else setStarted(o);
  };
  const set = (k: keyof InstallForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const p = preview && previewOf(preview.op.result);
  const done = op && (op.status === 'SUCCEEDED' || op.status === 'FAILED');
  return (
    <>
      <h1>{upgrade ? `Upgrade ${form.name}` : 'Install a chart'}</h1>
      <div className="row">
        <div>
          <label htmlFor="h-cluster">Cluster</label>
          <select id="h-cluster" value={f.clusterID} onChange={set('clusterID')} disabled={upgrade}>
            {list.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <div><label htmlFor="h-ns">Namespace</label><input id="h-ns" value={form.namespace} onChange={set('namespace')} readOnly={upgrade} required /></div>
        <div><label htmlFor="h-name">Release name</label><input id="h-name" value={form.name} onChange={set('name')} readOnly={upgrade} required /></div>
      </div>
      <div className="row">
        <div><label htmlFor="h-chart">Chart</label><input id="h-chart" size={48} value={form.chart} onChange={set('chart')} placeholder="oci://host/path/chart or repository/chart" list="h-chart-refs" required />
          <datalist id="h-chart-refs">{found.map((r) => <option key={r} value={r} />)}</datalist>
          {bare && repos.data?.chartRepositories.map((r) => <FindChart key={r.id} repositoryID={r.id} name={form.chart} onFound={(x) => setRefs((m) => ({ ...m, [r.id]: x }))} />)}
          {bare && found.length > 1 && <p className="muted">Several repositories serve {form.chart}: pick one.</p>}
        </div>
        <div><label htmlFor="h-version">Version</label><input id="h-version" value={form.version} onChange={set('version')} placeholder="newest stable" /></div>
      </div>
      {fields.filter((x) => x !== 'values').map((x) => <ErrorView key={x} error={err} field={x} />)}
      <h2 id="values-label">Values</h2>
      {upgrade && current.error && <ErrorView error={current.error} />}
      <YamlEditor value={form.values} onChange={(v) => setForm((x) => ({ ...x, values: v }))} errorLine={errLine} label="Values YAML" />
      {problems.length > 0 && <p className="field-error" role="alert" data-testid="yaml-error">Line {problems[0].line}: {problems[0].message}</p>}
      {!problems.length && err?.field === 'values' && (
        <div data-testid="values-error">{errLine && <p className="field-error">Line {errLine}</p>}<ErrorView error={err} field="values" /></div>
      )}
      <FormError error={err} fields={fields} />
      <p>
        <Gated can={can} action="clusterUse" disabled={install.busy || !f.clusterID || !f.name.trim() || !f.chart.trim() || problems.length > 0} onClick={() => run(true)}>Preview</Gated>
        <Gated can={can} action="clusterUse" className="primary" disabled={install.busy || !previewed} onClick={() => run(false)}>{action}</Gated>
        {!previewed && <span className="muted">A preview of exactly these fields enables {action}.</span>}
      </p>
      {preview && p && (
        <div className="panel" aria-live="polite" data-testid="preview">
          <h2>Preview {preview.key === key ? '' : '(of earlier fields)'}</h2>
          {preview.op.status === 'FAILED' && <p className="field-error">{preview.op.reason}: {preview.op.message}</p>}
          <p>Revision {p.revision ?? '?'} of chart version {p.chartVersion ?? '?'}: {p.objectCount} object{p.objectCount === 1 ? '' : 's'}.</p>
          <table aria-label="objects">
            <thead><tr><th scope="col">Kind</th><th scope="col">Namespace</th><th scope="col">Name</th></tr></thead>
            <tbody>{p.objects.map((o, i) => <tr key={i}><td>{o.kind} <span className="muted">{o.apiVersion}</span></td><td>{o.namespace || form.namespace}</td><td>{o.name}</td></tr>)}</tbody>
          </table>
          {p.objects.length < p.objectCount && <p className="muted">and {p.objectCount - p.objects.length} more.</p>}
          {upgrade && p.valuesDiff !== undefined && <><h3>Values: current → new</h3><HelmDiff diff={p.valuesDiff} /></>}
        </div>
      )}
      {op && (
        <p role="status" data-testid="operation">
          {action}: <span className={`badge status-${op.status}`}>{op.status}</span>
          {op.reason && <> <code>{op.reason}</code></>} {op.message && <span className="muted">{op.message}</span>}
          {done && op.status === 'SUCCEEDED' && <> <a href={releasePath(pid, f.clusterID, f.namespace.trim(), f.name.trim())}>Open the release</a></>}
        </p>
      )}
    </>
  );
}

function FindChart({ repositoryID, name, onFound }: { repositoryID: string; name: string; onFound: (refs: string[]) => void }) {
  const q = useQuery(ChartsQuery, { repositoryID, search: name });
  const refs = q.data?.charts.filter((c) => c.name === name).map((c) => c.reference);
  const key = refs?.join(' ');
  useEffect(() => {
    if (refs) onFound(refs);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}
