// Clusters of a project: status and capacity live from clusterStatus, and
// the two ways in: a kubeconfig, or an agent token with its command to copy.
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ClustersQuery, ClusterStatusSubscription, ProjectQuery, RegisterClusterMutation, RegisterMesosMutation, RegisterTokenMutation } from '../api/ops';
import { live } from '../api/socket';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import type { ClusterEnvironment, ClustersQuery as ClustersData } from '../gql/graphql';

type Cluster = NonNullable<NonNullable<NonNullable<ClustersData['project']['clusters']['edges']>[number]>['node']>;

export function Clusters({ pid }: { pid: string }) {
  const q = useQuery(ClustersQuery, { id: pid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const [byId, setById] = useState<Record<string, Cluster>>({});
  useEffect(() => {
    const m: Record<string, Cluster> = {};
    for (const e of q.data?.project.clusters.edges ?? []) if (e?.node) m[e.node.id] = e.node;
    setById(m);
  }, [q.data]);
  useEffect(
    () => live(ClusterStatusSubscription, () => ({ projectID: pid }), {
      next: (d) => setById((m) => ({ ...m, [d.clusterStatus.id]: d.clusterStatus })),
      endless: true,
    }),
    [pid],
  );
  const clusters = Object.values(byId).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <h1>Clusters</h1>
      <ErrorView error={q.error} />
      <div className="panel">
        <table aria-label="clusters">
          <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Environment</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Capacity</th><th scope="col">Last seen</th></tr></thead>
          <tbody>
            {clusters.map((c) => (
              <tr key={c.id} data-cluster={c.name}>
                <td><a href={`/projects/${pid}/clusters/${c.id}`}>{c.name}</a><div className="muted"><code>{c.endpoint}</code></div></td>
                <td>{c.kind}</td>
                <td>{c.environment.toLowerCase()}</td>
                <td><span className={`badge status-${c.status}`}>{c.status}</span>{c.statusMessage && <div className="muted">{c.statusMessage}</div>}</td>
                <td>{c.version}</td>
                <td>{Object.entries(c.capacity ?? {}).map(([k, v]) => <div key={k}><span className="muted">{k}</span> {v}</div>)}</td>
                <td>{c.lastSeenAt ? new Date(c.lastSeenAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
            {q.data && !clusters.length && <tr><td colSpan={7} className="muted">No clusters yet: register one below.</td></tr>}
          </tbody>
        </table>
      </div>
      <RegisterByKubeconfig pid={pid} can={can} onDone={q.reload} />
      <RegisterByAgent pid={pid} can={can} onDone={q.reload} />
      <RegisterMesos pid={pid} can={can} onDone={q.reload} />
    </>
  );
}

const envs: ClusterEnvironment[] = ['DEV', 'TEST', 'PROD'];

function RegisterByKubeconfig({ pid, can, onDone }: { pid: string; can?: Permissions; onDone: () => void }) {
  const m = useMutation(RegisterClusterMutation);
  const [name, setName] = useState('');
  const [environment, setEnv] = useState<ClusterEnvironment>('DEV');
  const [kubeconfig, setKubeconfig] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await m.run({ input: { projectID: pid, name, environment, kubeconfig } })) {
      setName('');
      setKubeconfig('');
      onDone();
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="reg-kc">
      <h2 id="reg-kc">Register by kubeconfig</h2>
      <div className="row">
        <div><label htmlFor="c-name">Cluster name</label><input id="c-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
        <div>
          <label htmlFor="c-env">Environment</label>
          <select id="c-env" value={environment} onChange={(e) => setEnv(e.target.value as ClusterEnvironment)}>{envs.map((x) => <option key={x}>{x}</option>)}</select>
        </div>
      </div>
      <ErrorView error={m.error} field="name" />
      <label htmlFor="c-kc">Kubeconfig</label>
      <textarea id="c-kc" rows={6} style={{ width: '100%' }} value={kubeconfig} onChange={(e) => setKubeconfig(e.target.value)} required spellCheck={false} />
      <ErrorView error={m.error} field="kubeconfig" />
      <FormError error={m.error} fields={['name', 'kubeconfig']} />
      <p><Gated can={can} action="clusterCreate" type="submit" className="primary" disabled={m.busy}>Register cluster</Gated></p>
    </form>
  );
}

function RegisterByAgent({ pid, can, onDone }: { pid: string; can?: Permissions; onDone: () => void }) {
  const m = useMutation(RegisterTokenMutation);
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await m.run({ projectID: pid, clusterName: name, environment: 'DEV' });
    if (r) {
      setCommand(`bcs agent --server ${location.origin} --token ${r.createRegisterToken.token} --kubeconfig ~/.kube/config`);
      onDone();
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="reg-agent">
      <h2 id="reg-agent">Register through the agent</h2>
      <p className="muted">For a cluster BCS cannot reach: the agent runs inside its network and reports out.</p>
      <div className="row">
        <div><label htmlFor="a-name">Cluster name</label><input id="a-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
        <Gated can={can} action="clusterCreate" type="submit" disabled={m.busy}>Create agent token</Gated>
      </div>
      <ErrorView error={m.error} field="clusterName" />
      <FormError error={m.error} fields={['clusterName']} />
      {command && (
        <div className="copy">
          <code aria-label="agent command">{command}</code>
          <button type="button" onClick={() => navigator.clipboard?.writeText(command)}>Copy</button>
        </div>
      )}
    </form>
  );
}

function RegisterMesos({ pid, can, onDone }: { pid: string; can?: Permissions; onDone: () => void }) {
  const m = useMutation(RegisterMesosMutation);
  const [name, setName] = useState('');
  const [masters, setMasters] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await m.run({ input: { projectID: pid, name, masters } })) {
      setName('');
      setMasters('');
      onDone();
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="reg-mesos">
      <h2 id="reg-mesos">Register a Mesos cluster</h2>
      <p className="muted">Its applications appear with the workloads, its agents as the cluster's nodes and its tasks as pods.</p>
      <div className="row">
        <div><label htmlFor="mz-name">Mesos cluster name</label><input id="mz-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
        <div><label htmlFor="mz-masters">Masters</label><input id="mz-masters" value={masters} onChange={(e) => setMasters(e.target.value)} required placeholder="http://10.0.0.1:5050 or zk://host:2181/mesos" size={40} /></div>
        <Gated can={can} action="clusterCreate" type="submit" disabled={m.busy}>Register Mesos cluster</Gated>
      </div>
      <ErrorView error={m.error} field="name" />
      <ErrorView error={m.error} field="masters" />
      <FormError error={m.error} fields={['name', 'masters']} />
    </form>
  );
}
