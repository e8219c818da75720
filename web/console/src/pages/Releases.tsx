// Helm releases of a cluster (all namespaces or one), as the cluster keeps
// them: what BCS installed and what the helm CLI did alike.
import { useQuery } from '../api/hooks';
import { ClustersQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';
import { navigate, useLocation } from '../router';
import { ReleasesQuery, releasePath } from './HelmOps';

export function Releases({ pid }: { pid: string }) {
  const { path, query } = useLocation();
  const clusters = useQuery(ClustersQuery, { id: pid });
  const list = clusters.data?.project.clusters.edges?.flatMap((e) => (e?.node ? [e.node] : [])) ?? [];
  const cid = query.get('cluster') || list[0]?.id || '';
  const namespace = query.get('namespace') ?? '';
  const q = useQuery(ReleasesQuery, { clusterID: cid, namespace: namespace || undefined }, !cid);
  // The cluster and namespace live in the address, so a filtered list is a link.
  const go = (c: string, ns: string) => {
    const p = new URLSearchParams();
    if (c) p.set('cluster', c);
    if (ns) p.set('namespace', ns);
    navigate(`${path}?${p}`, true);
  };
  return (
    <>
      <h1>Releases</h1>
      <p><a className="button" href={`/projects/${pid}/charts`}>Install a chart…</a></p>
      <div className="row">
        <div>
          <label htmlFor="r-cluster">Cluster</label>
          <select id="r-cluster" value={cid} onChange={(e) => go(e.target.value, namespace)}>
            {list.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <form onSubmit={(e) => { e.preventDefault(); go(cid, String(new FormData(e.currentTarget).get('ns') ?? '').trim()); }}>
          <label htmlFor="r-ns">Namespace</label>
          <input id="r-ns" name="ns" key={namespace} defaultValue={namespace} placeholder="all namespaces" />
          <button type="submit">Filter</button>
        </form>
      </div>
      <ErrorView error={clusters.error ?? q.error} />
      <div className="panel">
        <table aria-label="releases">
          <thead><tr><th scope="col">Name</th><th scope="col">Namespace</th><th scope="col">Revision</th><th scope="col">Status</th><th scope="col">Chart</th><th scope="col">App version</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {q.data?.releases.map((r) => (
              <tr key={`${r.namespace}/${r.name}`} data-release={r.name}>
                <td><a href={releasePath(pid, cid, r.namespace, r.name)}>{r.name}</a></td>
                <td>{r.namespace}</td><td>{r.revision}</td>
                <td><span className={`badge status-${r.status}`}>{r.status}</span></td>
                <td>{r.chart}-{r.chartVersion}</td><td>{r.appVersion}</td>
                <td>{r.updated ? new Date(r.updated).toLocaleString() : ''}</td>
              </tr>
            ))}
            {q.data && !q.data.releases.length && <tr><td colSpan={7} className="muted">No releases{namespace ? ` in ${namespace}` : ''}.</td></tr>}
            {q.loading && <tr><td colSpan={7} className="muted">Loading…</td></tr>}
          </tbody>
        </table>
      </div>
    </>
  );
}
