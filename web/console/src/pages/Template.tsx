// One template set: its draft (saved with the line of any template error),
// versions, variables, a preview with the target's dry-run diff, and
// instantiation into many namespaces at once, each instance's status live.
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import {
  ClustersQuery, CreateVersionMutation, InstanceSubscription, InstantiateMutation, PreviewQuery, ProjectQuery, RetryInstanceMutation,
  RollbackInstanceMutation, SetVariableMutation, TemplateQuery, UpdateDraftMutation, UpgradeInstanceMutation, VariablesQuery,
} from '../api/ops';
import { live } from '../api/socket';
import { ErrorView, FormError } from '../components/ErrorView';
import { DiffView } from '../components/DiffView';
import { Gated, type Permissions } from '../components/Gate';
import { YamlEditor } from '../components/YamlEditor';

export default function TemplatePage({ pid, tid }: { pid: string; tid: string }) {
  const q = useQuery(TemplateQuery, { id: tid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const clusters = useQuery(ClustersQuery, { id: pid });
  const vars = useQuery(VariablesQuery, { projectID: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const t = q.data?.template;
  const [draft, setDraft] = useState<string | undefined>();
  const save = useMutation(UpdateDraftMutation);
  const version = useMutation(CreateVersionMutation);
  const setVar = useMutation(SetVariableMutation);
  const preview = useMutation(PreviewQuery);
  const instantiate = useMutation(InstantiateMutation);
  const [label, setLabel] = useState('');
  const [varKey, setVarKey] = useState('');
  const [varValue, setVarValue] = useState('');
  const [versionID, setVersionID] = useState('');
  const [clusterID, setClusterID] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const [previewResult, setPreviewResult] = useState<Awaited<ReturnType<typeof preview.run>>>();
  useEffect(() => {
    if (t && draft === undefined) setDraft(t.draft);
  }, [t, draft]);
  if (q.error) return <ErrorView error={q.error} />;
  if (!t || draft === undefined) return <p className="muted">Loading…</p>;
  const versions = t.versions.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? [];
  const clusterList = clusters.data?.project.clusters.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? [];
  const vid = versionID || versions[0]?.id || '';
  const cid = clusterID || clusterList[0]?.id || '';
  const nsList = namespaces.split(/[\s,]+/).filter(Boolean);
  const draftErr = save.error ?? version.error;
  // Rendering errors (an unknown variable, a value that would break the
  // YAML) name the line of the version's text.
  const renderErr = preview.error ?? instantiate.error;
  return (
    <>
      <h1>Template {t.name} <span className="badge">{t.kind}</span></h1>
      <div className="panel">
        <h2>Draft</h2>
        <YamlEditor value={draft} onChange={setDraft} label="Template draft" lint={false}
          errorLine={draftErr?.line ?? (versions.find((v) => v.id === vid)?.content === draft ? renderErr?.line : undefined)} />
        {draftErr?.line && <p className="field-error" data-testid="template-error-line">Line {draftErr.line}</p>}
        <ErrorView error={draftErr} />
        <div className="row" style={{ marginTop: 8 }}>
          <Gated can={can} action="templateUpdate" disabled={save.busy || draft === t.draft} onClick={async () => { if (await save.run({ id: t.id, draft })) q.reload(); }}>Save draft</Gated>
          <div><label htmlFor="v-label">Version label</label><input id="v-label" value={label} onChange={(e) => setLabel(e.target.value)} /></div>
          <Gated can={can} action="templateUpdate" className="primary" disabled={version.busy || !label || draft !== t.draft}
            onClick={async () => { if (await version.run({ templateID: t.id, label })) { setLabel(''); q.reload(); } }}>Create version</Gated>
        </div>
      </div>
      <div className="panel">
        <h2>Variables</h2>
        <table aria-label="variables">
          <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Scope</th></tr></thead>
          <tbody>
            {vars.data?.variables.map((v) => <tr key={v.id}><td><code>{v.key}</code></td><td>{v.value}</td><td>{v.scope.toLowerCase()} {v.namespace}</td></tr>)}
          </tbody>
        </table>
        <div className="row">
          <div><label htmlFor="var-key">Key</label><input id="var-key" value={varKey} onChange={(e) => setVarKey(e.target.value)} /></div>
          <div><label htmlFor="var-value">Value</label><input id="var-value" value={varValue} onChange={(e) => setVarValue(e.target.value)} /></div>
          <Gated can={can} action="templateUpdate" disabled={setVar.busy || !varKey}
            onClick={async () => { if (await setVar.run({ input: { projectID: pid, key: varKey, value: varValue } })) { setVarKey(''); setVarValue(''); vars.reload(); } }}>Set variable</Gated>
        </div>
        <ErrorView error={setVar.error} field="key" />
        <FormError error={setVar.error} fields={['key']} />
      </div>
      <div className="panel">
        <h2>Preview and instantiate</h2>
        <div className="row">
          <div>
            <label htmlFor="i-version">Version</label>
            <select id="i-version" value={vid} onChange={(e) => setVersionID(e.target.value)}>{versions.map((v) => <option key={v.id} value={v.id}>{v.label}</option>)}</select>
          </div>
          <div>
            <label htmlFor="i-cluster">Cluster</label>
            <select id="i-cluster" value={cid} onChange={(e) => setClusterID(e.target.value)}>{clusterList.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
          </div>
          <div><label htmlFor="i-ns">Namespaces</label><input id="i-ns" value={namespaces} onChange={(e) => setNamespaces(e.target.value)} placeholder="team-a, team-b" /></div>
          <button type="button" disabled={!vid || !cid || !nsList.length || preview.busy}
            onClick={async () => setPreviewResult(await preview.run({ templateID: t.id, versionID: vid, clusterID: cid, namespace: nsList[0], dryRun: true }))}>Preview</button>
          <Gated can={can} action="templateInstantiate" className="primary" disabled={!vid || !cid || !nsList.length || instantiate.busy}
            onClick={async () => { if (await instantiate.run({ input: { versionID: vid, targets: nsList.map((namespace) => ({ clusterID: cid, namespace })) } })) q.reload(); }}>
            Instantiate into {nsList.length || ''} namespace{nsList.length === 1 ? '' : 's'}
          </Gated>
        </div>
        {renderErr?.line && <p className="field-error" data-testid="render-error-line">Line {renderErr.line} of version {versions.find((v) => v.id === vid)?.label}</p>}
        <ErrorView error={renderErr} />
        {previewResult && (
          <div aria-label="template preview">
            <p className="muted">Rendered for {nsList[0]}: {previewResult.previewTemplate.objects.map((o) => `${o.kind} ${o.name}`).join(', ')}</p>
            <DiffView result={{ objects: previewResult.previewTemplate.diff?.map((d) => ({ ref: { kind: d.kind, namespace: d.namespace, name: d.name }, action: d.action, changes: d.changes })) ?? [] }} />
          </div>
        )}
      </div>
      <div className="panel">
        <h2>Instances</h2>
        <table aria-label="instances">
          <thead><tr><th scope="col">Namespace</th><th scope="col">Cluster</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {versions.flatMap((v) => v.instances.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? []).map((i) => (
              <InstanceRow key={i.id} instance={i} versions={versions} can={can} clusterName={clusterList.find((c) => c.id === i.clusterID)?.name ?? i.clusterID} onChange={q.reload} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

interface InstanceData { id: string; namespace: string; clusterID: string; status: string; versionID: string }

function InstanceRow({ instance, versions, can, clusterName, onChange }: { instance: InstanceData; versions: { id: string; label: string }[]; can?: Permissions; clusterName: string; onChange: () => void }) {
  const [cur, setCur] = useState(instance);
  const upgrade = useMutation(UpgradeInstanceMutation);
  const rollback = useMutation(RollbackInstanceMutation);
  const retry = useMutation(RetryInstanceMutation);
  useEffect(() => {
    setCur(instance);
    return live(InstanceSubscription, () => ({ id: instance.id }), { next: (d) => setCur(d.instance), endless: true });
  }, [instance]);
  const newest = versions[0];
  return (
    <tr data-instance={cur.namespace}>
      <td>{cur.namespace}</td>
      <td>{clusterName}</td>
      <td>{versions.find((v) => v.id === cur.versionID)?.label ?? cur.versionID}</td>
      <td><span className={`badge status-${cur.status}`} data-testid="instance-status">{cur.status}</span></td>
      <td>
        <Gated can={can} action="templateInstantiate" disabled={!newest || newest.id === cur.versionID || upgrade.busy}
          onClick={async () => { if (newest && (await upgrade.run({ id: cur.id, versionID: newest.id }))) onChange(); }}>Upgrade to {newest?.label}</Gated>
        <Gated can={can} action="templateInstantiate" disabled={rollback.busy} onClick={async () => { if (await rollback.run({ id: cur.id })) onChange(); }}>Roll back</Gated>
        <Gated can={can} action="templateInstantiate" disabled={retry.busy || cur.status !== 'FAILED'} onClick={async () => { if (await retry.run({ id: cur.id, force: false })) onChange(); }}>Retry</Gated>
        <ErrorView error={upgrade.error ?? rollback.error ?? retry.error} />
      </td>
    </tr>
  );
}
