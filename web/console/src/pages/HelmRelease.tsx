// One Helm release: its history with Rollback to a revision, Upgrade and
// Uninstall, each revision's values and manifest, and the values diff of
// two revisions.
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { ProjectQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { useOperation, type Op } from '../components/OperationStatus';
import { navigate } from '../router';
import { HelmDiff } from './HelmDiff';
import { ReleaseQuery, ReleaseRevisionQuery, ReleaseValuesDiffQuery, RollbackReleaseMutation, UninstallReleaseMutation, canCompare } from './HelmOps';

export function HelmRelease({ pid, cid, ns, name }: { pid: string; cid: string; ns: string; name: string }) {
  const ref = { clusterID: cid, namespace: ns, name };
  const q = useQuery(ReleaseQuery, ref);
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const rollback = useMutation(RollbackReleaseMutation);
  const uninstall = useMutation(UninstallReleaseMutation);
  const [op, setOp] = useState<{ label: string; op: Op } | undefined>();
  const [shown, setShown] = useState<number | undefined>();
  const [cmp, setCmp] = useState<{ from?: number; to?: number }>({});
  const cur = useOperation(op?.op);
  const finished = cur?.status === 'SUCCEEDED' || cur?.status === 'FAILED';
  const { reload } = q;
  // The history changes when a rollback finishes: read it again then.
  useEffect(() => {
    if (finished && op?.label !== 'Uninstall') reload();
  }, [finished, op, reload]);
  if (q.error) return <><h1>Release {name}</h1><ErrorView error={q.error} /></>;
  const r = q.data?.release;
  if (!r) return <p className="muted">Loading…</p>;
  const revisions = r.history.map((h) => h.revision);
  const upgradeHref = `/projects/${pid}/charts/install?${new URLSearchParams({ upgrade: '1', cluster: cid, namespace: ns, name, chart: r.chart, version: r.chartVersion })}`;

  const doRollback = async (revision: number) => {
    if (!confirm(`Roll ${name} back to revision ${revision}? This makes a new revision.`)) return;
    const x = await rollback.run({ ...ref, revision });
    if (x) setOp({ label: `Rollback to ${revision}`, op: x.rollbackRelease });
  };
  const doUninstall = async () => {
    if (!confirm(`Uninstall ${name}? Its objects and its history are removed.`)) return;
    const x = await uninstall.run(ref);
    if (x) setOp({ label: 'Uninstall', op: x.uninstallRelease });
  };
  const from = cmp.from ?? revisions[revisions.length - 2];
  const to = cmp.to ?? revisions[revisions.length - 1];
  return (
    <>
      <h1>Release {r.name} <span className={`badge status-${r.status}`}>{r.status}</span></h1>
      <p className="muted">{r.namespace} · {r.chart}-{r.chartVersion} (app {r.appVersion}) · revision {r.revision}</p>
      <p>
        <Gated can={can} action="clusterUse" onClick={() => navigate(upgradeHref)}>Upgrade…</Gated>
        <Gated can={can} action="clusterUse" className="danger" disabled={uninstall.busy} onClick={doUninstall}>Uninstall</Gated>
        <button type="button" onClick={() => q.reload()}>Refresh</button>
      </p>
      {op && cur && (
        <p role="status" data-testid="operation">
          {op.label}: <span className={`badge status-${cur.status}`}>{cur.status}</span>
          {cur.reason && <> <code>{cur.reason}</code></>} {cur.message && <span className="muted">{cur.message}</span>}
        </p>
      )}
      <ErrorView error={rollback.error ?? uninstall.error} />
      <div className="panel">
        <h2>History</h2>
        <table aria-label="history">
          <thead><tr><th scope="col">Revision</th><th scope="col">Status</th><th scope="col">Chart</th><th scope="col">App version</th><th scope="col">Updated</th><th scope="col">Description</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {[...r.history].reverse().map((h) => (
              <tr key={h.revision} data-revision={h.revision}>
                <td>{h.revision}</td>
                <td><span className={`badge status-${h.status}`}>{h.status}</span></td>
                <td>{h.chart}-{h.chartVersion}</td><td>{h.appVersion}</td>
                <td>{h.updated ? new Date(h.updated).toLocaleString() : ''}</td>
                <td>{h.description}</td>
                <td>
                  <button type="button" onClick={() => setShown(h.revision)} aria-pressed={shown === h.revision}>Values &amp; manifest</button>
                  {h.revision !== r.revision && <Gated can={can} action="clusterUse" disabled={rollback.busy} onClick={() => doRollback(h.revision)}>Rollback</Gated>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown !== undefined && <Revision key={shown} {...ref} revision={shown} />}
      {revisions.length > 1 && (
        <div className="panel">
          <h2>Values diff</h2>
          <div className="row">
            <div><label htmlFor="cmp-from">From revision</label>
              <select id="cmp-from" value={from} onChange={(e) => setCmp({ ...cmp, from: Number(e.target.value) })}>{revisions.map((x) => <option key={x}>{x}</option>)}</select></div>
            <div><label htmlFor="cmp-to">To revision</label>
              <select id="cmp-to" value={to} onChange={(e) => setCmp({ ...cmp, to: Number(e.target.value) })}>{revisions.map((x) => <option key={x}>{x}</option>)}</select></div>
          </div>
          {canCompare(revisions, from, to) ? <ValuesDiff {...ref} from={from} to={to} /> : <p className="muted">Pick two different revisions.</p>}
        </div>
      )}
      {op?.label === 'Uninstall' && cur?.status === 'SUCCEEDED' && <p><button type="button" onClick={() => navigate(`/projects/${pid}/releases?cluster=${encodeURIComponent(cid)}`)}>Back to releases</button></p>}
    </>
  );
}

function Revision({ clusterID, namespace, name, revision }: { clusterID: string; namespace: string; name: string; revision: number }) {
  const q = useQuery(ReleaseRevisionQuery, { clusterID, namespace, name, revision });
  return (
    <div className="panel" aria-live="polite">
      <h2>Revision {revision}</h2>
      <ErrorView error={q.error} />
      {q.loading && <p className="muted">Loading…</p>}
      {q.data && (
        <>
          <h3>Values</h3>
          <pre className="yaml" data-testid="revision-values">{q.data.release.values}</pre>
          <h3>Manifest</h3>
          <pre className="yaml" data-testid="revision-manifest">{q.data.release.manifest}</pre>
        </>
      )}
    </div>
  );
}

function ValuesDiff({ clusterID, namespace, name, from, to }: { clusterID: string; namespace: string; name: string; from: number; to: number }) {
  const q = useQuery(ReleaseValuesDiffQuery, { clusterID, namespace, name, from, to });
  if (q.error) return <ErrorView error={q.error} />;
  if (!q.data) return <p className="muted">Loading…</p>;
  return <HelmDiff diff={q.data.release.valuesDiff} />;
}
