// Deploy: edit YAML, read the server-side dry run's field diff, then apply
// exactly the text that was dry-run (Apply stays disabled until then).
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ApplyMutation, ClustersQuery, ProjectQuery } from '../api/ops';
import { manifestErrorLine } from '../api/errors';
import { ErrorView } from '../components/ErrorView';
import { DiffView } from '../components/DiffView';
import { Gated, type Permissions } from '../components/Gate';
import { OperationStatus, type Op } from '../components/OperationStatus';
import { YamlEditor, yamlProblems } from '../components/YamlEditor';

const sample = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

export default function Deploy({ pid }: { pid: string }) {
  const clusters = useQuery(ClustersQuery, { id: pid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const [clusterID, setClusterID] = useState('');
  const [namespace, setNamespace] = useState('default');
  const [text, setText] = useState(sample);
  const [force, setForce] = useState(false);
  const [dry, setDry] = useState<{ text: string; force: boolean; op: Op } | undefined>();
  const [applied, setApplied] = useState<Op | undefined>();
  const m = useMutation(ApplyMutation);
  const list = clusters.data?.project.clusters.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? [];
  const cid = clusterID || list[0]?.id || '';
  const problems = useMemo(() => yamlProblems(text), [text]);
  const errLine = problems[0]?.line ?? (m.error && m.error.field === 'manifest' ? manifestErrorLine(m.error, text) : undefined);

  const run = async (dryRun: boolean) => {
    if (!dryRun) setApplied(undefined);
    const r = await m.run({ input: { clusterID: cid, namespace, manifest: text, dryRun, force } });
    if (!r) return;
    if (dryRun) setDry({ text, force, op: r.applyManifest });
    else setApplied(r.applyManifest);
  };
  // Apply what was dry-run: the same text with the same take-over choice.
  const dryCurrent = dry && dry.text === text && dry.force === force && dry.op.status !== 'FAILED';
  return (
    <>
      <h1>Deploy</h1>
      <div className="row">
        <div>
          <label htmlFor="d-cluster">Cluster</label>
          <select id="d-cluster" value={cid} onChange={(e) => setClusterID(e.target.value)}>
            {list.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <div><label htmlFor="d-ns">Namespace</label><input id="d-ns" value={namespace} onChange={(e) => setNamespace(e.target.value)} /></div>
        <label className="row" style={{ fontWeight: 400 }}><input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> take over fields other managers own</label>
      </div>
      <h2 id="manifest-label">Manifest</h2>
      <YamlEditor value={text} onChange={setText} errorLine={errLine} label="Manifest YAML" />
      {problems.length > 0 && <p className="field-error" role="alert" data-testid="yaml-error">Line {problems[0].line}: {problems[0].message}</p>}
      {!problems.length && m.error && (
        <div data-testid="server-error">
          {errLine && <p className="field-error">Line {errLine}</p>}
          <ErrorView error={m.error} />
        </div>
      )}
      <p>
        <Gated can={can} action="clusterUse" disabled={m.busy || !cid || problems.length > 0} onClick={() => run(true)}>Dry run</Gated>
        <Gated can={can} action="clusterUse" className="primary" disabled={m.busy || !dryCurrent} onClick={() => run(false)}>Apply</Gated>
        {!dryCurrent && <span className="muted">A dry run of this text that succeeds enables Apply.</span>}
      </p>
      {dry && (
        <div className="panel" aria-live="polite">
          <h2>Dry run {dry.text === text && dry.force === force ? '' : '(of an earlier text)'}</h2>
          {dry.op.status === 'FAILED' && <p className="field-error">{dry.op.reason}: {dry.op.message}</p>}
          <DiffView result={dry.op.result} />
        </div>
      )}
      {applied && <OperationStatus key={applied.id} op={applied} label="Apply" />}
    </>
  );
}
