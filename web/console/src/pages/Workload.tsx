// One workload: its counts and pods live from the change log, scale,
// restart, rollback, and its spec as YAML.
import { useEffect, useState } from 'react';
import { stringify } from 'yaml';
import { useMutation, useQuery } from '../api/hooks';
import { request } from '../api/client';
import type { ApiError } from '../api/errors';
import type { WorkloadQuery as WorkloadData } from '../gql/graphql';
import { ChangesSubscription, HeadQuery, ProjectQuery, RestartMutation, RollbackMutation, ScaleMutation, WorkloadQuery } from '../api/ops';
import { live } from '../api/socket';
import { ErrorView } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { OperationStatus, type Op } from '../components/OperationStatus';
import { apiKind, kindNames } from '../live/useLiveTable';
import { applyHistory, type History, type HistoryChange } from '../live/history';
import { WorkloadHistory } from '../components/WorkloadHistory';
import { PodActions, useExecDenial } from '../components/PodActions';

interface PodRow {
  name: string;
  phase: string;
  nodeName: string;
  podIP: string;
  restarts: number;
}

export default function WorkloadPage({ pid, wid }: { pid: string; wid: string }) {
  const [q, setQ] = useState<{ data?: WorkloadData; error?: ApiError }>({});
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const w = q.data?.node?.__typename === 'Workload' ? q.data.node : undefined;
  const [counts, setCounts] = useState<{ desired: number; ready: number; updated: number; available: number } | undefined>();
  const [pods, setPods] = useState<Record<string, PodRow>>({});
  const [history, setHistory] = useState<History>({ events: [], revisions: [] });
  const [replicas, setReplicas] = useState(1);
  const [revision, setRevision] = useState('');
  const [op, setOp] = useState<{ label: string; op: Op } | undefined>();
  const scale = useMutation(ScaleMutation);
  const restart = useMutation(RestartMutation);
  const rollback = useMutation(RollbackMutation);
  const execDenied = useExecDenial(pid);

  // The head revision, then the workload and its pods, then one `changes`
  // subscription from that head for the workload and the pods of its
  // namespace: a reconnect resumes from the last change applied.
  useEffect(() => {
    let alive = true;
    let off: (() => void) | undefined;
    (async () => {
      let since: number;
      let data: WorkloadData;
      try {
        since = (await request(HeadQuery, { projectID: pid })).changesHead;
        data = await request(WorkloadQuery, { id: wid });
      } catch (e) {
        if (alive) setQ({ error: e as ApiError });
        return;
      }
      if (!alive) return;
      setQ({ data });
      const node = data.node?.__typename === 'Workload' ? data.node : undefined;
      if (!node) return;
      setCounts({ desired: node.desired, ready: node.ready, updated: node.updated, available: node.available });
      setReplicas(node.desired);
      const m: Record<string, PodRow> = {};
      for (const e of node.pods.edges ?? []) if (e?.node) m[e.node.name] = e.node;
      setPods(m);
      setHistory({ events: node.events as HistoryChange[], revisions: node.revisions as HistoryChange[] });
      const kind = kindNames[node.kind] ?? node.kind;
      // Pods are named after their workload (web-7d4b9c-x2x9z), Mesos tasks
      // namespace.name.index.launch.
      const owns = (c: { kind: string; name: string }) =>
        c.kind === 'MesosTask' ? c.name.startsWith(`${node.namespace}.${node.name}.`) : c.name.startsWith(`${node.name}-`);
      off = live(ChangesSubscription, () => ({ filter: { projectID: pid, clusterIDs: [node.clusterID], namespaces: [node.namespace], kinds: ['Pod', 'MesosTask', 'Event', 'ReplicaSet', kind] }, since }), {
        next: ({ changes: c }) => {
          if (c.revision <= since) return;
          since = c.revision;
          const o = (c.object ?? {}) as Record<string, unknown>;
          if (c.kind === 'Event' || c.kind === 'ReplicaSet') {
            setHistory((h) => applyHistory(h, c as HistoryChange, { kind, name: node.name }));
            return;
          }
          if (c.kind === kind) {
            if (c.name === node.name && c.type !== 'DELETED') {
              setCounts({ desired: Number(o.desired ?? o.instances ?? 0), ready: Number(o.ready ?? o.running ?? 0), updated: Number(o.updated ?? o.current ?? 0), available: Number(o.available ?? o.running ?? 0) });
            }
            return;
          }
          if (!owns(c)) return;
          setPods((prev) => {
            const n = { ...prev };
            if (c.type === 'DELETED') delete n[c.name];
            else n[c.name] = { name: c.name, phase: String(o.phase ?? o.state ?? ''), nodeName: String(o.node ?? o.host ?? ''), podIP: String(o.podIP ?? ''), restarts: Number(o.restarts ?? 0) };
            return n;
          });
        },
        endless: true,
      });
    })();
    return () => {
      alive = false;
      off?.();
    };
  }, [pid, wid]);

  if (q.error) return <ErrorView error={q.error} />;
  if (!w) return <p className="muted">Loading…</p>;
  const kind = kindNames[w.kind] ?? w.kind;
  const ref = { clusterID: w.clusterID, namespace: w.namespace, kind: apiKind(kind), name: w.name };
  const podList = Object.values(pods).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <h1>{kind} {w.namespace}/{w.name}</h1>
      <p className="muted">Cluster {w.cluster.name} · images {w.images?.join(', ')}</p>
      <div className="panel">
        <h2>Status</h2>
        <p data-testid="counts">Ready {counts?.ready ?? 0}/{counts?.desired ?? 0} · updated {counts?.updated ?? 0} · available {counts?.available ?? 0}</p>
        <div className="row">
          <div><label htmlFor="w-replicas">Replicas</label><input id="w-replicas" type="number" min={0} value={replicas} onChange={(e) => setReplicas(Number(e.target.value))} style={{ width: 90 }} /></div>
          <Gated can={can} action="clusterUse" className="primary" disabled={scale.busy}
            onClick={async () => { const r = await scale.run({ input: { ...ref, replicas } }); if (r) setOp({ label: 'Scale', op: r.scaleWorkload }); }}>Scale</Gated>
          <Gated can={can} action="clusterUse" disabled={restart.busy}
            onClick={async () => { const r = await restart.run({ input: ref }); if (r) setOp({ label: 'Restart', op: r.restartWorkload }); }}>Restart</Gated>
          <div><label htmlFor="w-rev">Revision</label><input id="w-rev" inputMode="numeric" placeholder="previous" value={revision} onChange={(e) => setRevision(e.target.value)} style={{ width: 90 }} /></div>
          <Gated can={can} action="clusterUse" disabled={rollback.busy || (kind !== 'Deployment' && kind !== 'MesosApplication')}
            onClick={async () => { const r = await rollback.run({ input: { ...ref, revision: revision ? Number(revision) : undefined } }); if (r) setOp({ label: 'Rollback', op: r.rollbackWorkload }); }}>Roll back</Gated>
        </div>
        <ErrorView error={scale.error ?? restart.error ?? rollback.error} />
        {op && <OperationStatus key={op.op.id} op={op.op} label={op.label} />}
      </div>
      <div className="panel">
        <h2>Pods</h2>
        <table aria-label="pods">
          <thead><tr><th scope="col">Name</th><th scope="col">Phase</th><th scope="col">Node</th><th scope="col">IP</th><th scope="col">Restarts</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {podList.map((p) => (
              <tr key={p.name} data-pod={p.name}>
                <td>{p.name}</td><td><span className={`badge phase-${p.phase}`}>{p.phase}</span></td><td>{p.nodeName}</td><td>{p.podIP}</td><td>{p.restarts}</td>
                <td>{!kind.startsWith('Mesos') && <PodActions pid={pid} cid={w.clusterID} ns={w.namespace} pod={p.name} denied={execDenied} />}</td>
              </tr>
            ))}
            {!podList.length && <tr><td colSpan={6} className="muted">No pods.</td></tr>}
          </tbody>
        </table>
      </div>
      <WorkloadHistory history={history} kind={kind} can={can} busy={rollback.busy}
        onRollback={async (revision) => { const r = await rollback.run({ input: { ...ref, revision } }); if (r) setOp({ label: `Rollback to revision ${revision}`, op: r.rollbackWorkload }); }} />
      <div className="panel">
        <h2>YAML</h2>
        <pre className="yaml" tabIndex={0} aria-label="workload YAML">{stringify({ apiVersion: kind.startsWith('Mesos') ? undefined : 'apps/v1', kind, metadata: { name: w.name, namespace: w.namespace, labels: w.labels ?? undefined }, spec: w.spec ?? {}, status: w.status ?? {} })}</pre>
      </div>
    </>
  );
}
