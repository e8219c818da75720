// One cluster: its nodes (cordon, uncordon, drain, labels and taints) and namespaces with their
// quotas, both kept current from the change log.
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ApplyNamespaceMutation, ChangesSubscription, ClusterQuery, CordonMutation, DrainMutation, ProjectQuery, UncordonMutation } from '../api/ops';
import { live } from '../api/socket';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { OperationStatus, type Op } from '../components/OperationStatus';
import { NodeEditor } from '../components/NodeEditor';
import { KubeconfigButton } from '../components/KubeconfigButton';

export default function ClusterPage({ pid, cid }: { pid: string; cid: string }) {
  const q = useQuery(ClusterQuery, { id: cid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const cordon = useMutation(CordonMutation);
  const uncordon = useMutation(UncordonMutation);
  const drain = useMutation(DrainMutation);
  const applyNs = useMutation(ApplyNamespaceMutation);
  const [op, setOp] = useState<{ label: string; op: Op } | undefined>();
  const [ns, setNs] = useState({ name: '', pods: '', cpu: '' });
  const [editing, setEditing] = useState('');
  const { reload } = q;
  // Node and namespace rows change with the cluster: refetch on their changes
  // (debounced), since a change carries only what the change log keeps.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = live(ChangesSubscription, () => ({ filter: { projectID: pid, clusterIDs: [cid], kinds: ['Node', 'Namespace'] } }), {
      next: () => {
        clearTimeout(timer);
        timer = setTimeout(reload, 300);
      },
      endless: true,
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [pid, cid, reload]);
  if (q.error) return <ErrorView error={q.error} />;
  const c = q.data?.cluster;
  if (!c) return <p className="muted">Loading…</p>;
  const act = async (label: string, run: () => Promise<{ id: string; status: string } | undefined>) => {
    const r = await run();
    if (r) setOp({ label, op: r });
  };
  const submitNs = async (e: FormEvent) => {
    e.preventDefault();
    const quota: Record<string, string> = {};
    if (ns.pods) quota.pods = ns.pods;
    if (ns.cpu) quota['requests.cpu'] = ns.cpu;
    const r = await applyNs.run({ input: { clusterID: cid, name: ns.name, quota } });
    if (r) setOp({ label: `Namespace ${ns.name}`, op: r.applyNamespace });
  };
  return (
    <>
      <h1>Cluster {c.name} <span className={`badge status-${c.status}`}>{c.status}</span></h1>
      <p className="muted">{c.kind} {c.version}</p>
      {c.kind === 'K8S' && <KubeconfigButton pid={pid} cid={cid} name={c.name} />}
      {op && <OperationStatus key={op.op.id} op={op.op} label={op.label} />}
      <ErrorView error={cordon.error ?? uncordon.error ?? drain.error} />
      <div className="panel">
        <h2>Nodes</h2>
        <table aria-label="nodes">
          <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">IP</th><th scope="col">Taints</th><th scope="col">Allocatable</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {c.nodes.edges?.map((e) => e?.node && (
              <tr key={e.node.id} data-node={e.node.name}>
                <td>{e.node.name}<div className="muted">{e.node.roles?.join(', ')}</div></td>
                <td><span className="badge">{e.node.status}</span>{e.node.unschedulable && <span className="badge">cordoned</span>}</td>
                <td>{e.node.internalIP}</td>
                <td>{e.node.taints?.map((t) => <div key={t}><code>{t}</code></div>)}</td>
                <td>{Object.entries(e.node.allocatable ?? {}).map(([k, v]) => <div key={k}><span className="muted">{k}</span> {v}</div>)}</td>
                <td>
                  {e.node.unschedulable
                    ? <Gated can={can} action="clusterManage" onClick={() => act(`Uncordon ${e.node!.name}`, async () => (await uncordon.run({ clusterID: cid, name: e.node!.name }))?.uncordonNode)}>Uncordon</Gated>
                    : <Gated can={can} action="clusterManage" onClick={() => act(`Cordon ${e.node!.name}`, async () => (await cordon.run({ clusterID: cid, name: e.node!.name }))?.cordonNode)}>Cordon</Gated>}
                  <Gated can={can} action="clusterManage" className="danger" onClick={() => act(`Drain ${e.node!.name}`, async () => (await drain.run({ clusterID: cid, name: e.node!.name }))?.drainNode)}>Drain</Gated>
                  <button type="button" aria-expanded={editing === e.node.name} onClick={() => setEditing(editing === e.node!.name ? '' : e.node!.name)}>Labels and taints</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(() => {
        const n = c.nodes.edges?.find((e) => e?.node?.name === editing)?.node;
        return n && <NodeEditor key={n.name} clusterID={cid} node={n} can={can} onOp={(label, o) => setOp({ label, op: o })} onClose={() => setEditing('')} />;
      })()}
      <div className="panel">
        <h2>Namespaces</h2>
        <table aria-label="namespaces">
          <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Quota</th></tr></thead>
          <tbody>
            {c.namespaces.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td><a href={`/projects/${pid}/workloads?cluster=${encodeURIComponent(cid)}&namespace=${encodeURIComponent(e.node.name)}`}>{e.node.name}</a></td>
                <td>{e.node.status}</td>
                <td>{Object.entries(e.node.quota ?? {}).map(([k, v]) => <div key={k}><span className="muted">{k}</span> {v}</div>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form onSubmit={submitNs} aria-labelledby="new-ns">
          <h2 id="new-ns">Create or update a namespace</h2>
          <div className="row">
            <div><label htmlFor="ns-name">Name</label><input id="ns-name" value={ns.name} onChange={(e) => setNs({ ...ns, name: e.target.value })} required /></div>
            <div><label htmlFor="ns-pods">Pods quota</label><input id="ns-pods" value={ns.pods} onChange={(e) => setNs({ ...ns, pods: e.target.value })} placeholder="20" /></div>
            <div><label htmlFor="ns-cpu">CPU requests quota</label><input id="ns-cpu" value={ns.cpu} onChange={(e) => setNs({ ...ns, cpu: e.target.value })} placeholder="4" /></div>
            <Gated can={can} action="namespaceCreate" type="submit" disabled={applyNs.busy}>Apply namespace</Gated>
          </div>
          <ErrorView error={applyNs.error} field="name" />
          <FormError error={applyNs.error} fields={['name']} />
        </form>
      </div>
    </>
  );
}
