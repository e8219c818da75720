// The workload page's events (live) and a Deployment's revision history,
// with a rollback to any earlier revision.
import { Gated, type Permissions } from './Gate';
import { revisionNumber, type History } from '../live/history';

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function WorkloadHistory({ history, kind, can, busy, onRollback }: {
  history: History;
  kind: string;
  can?: Permissions;
  busy: boolean;
  onRollback: (revision: number) => void;
}) {
  const current = history.revisions.length ? revisionNumber(history.revisions[0]) : 0;
  return (
    <>
      {kind === 'Deployment' && (
        <div className="panel">
          <h2>Revision history</h2>
          <table aria-label="revision history">
            <thead><tr><th scope="col">Revision</th><th scope="col">ReplicaSet</th><th scope="col">Replicas</th><th scope="col">Ready</th><th scope="col">Action</th></tr></thead>
            <tbody>
              {history.revisions.map((r) => {
                const n = revisionNumber(r);
                return (
                  <tr key={r.name} data-revision={n}>
                    <td>{n}{n === current && <span className="badge"> current</span>}</td>
                    <td>{r.name}</td><td>{str(r.object?.replicas)}</td><td>{str(r.object?.ready)}</td>
                    <td>
                      {n !== current && (
                        <Gated can={can} action="clusterUse" disabled={busy} onClick={() => onRollback(n)}>Roll back to {n}</Gated>
                      )}
                    </td>
                  </tr>
                );
              })}
              {!history.revisions.length && <tr><td colSpan={5} className="muted">No revisions observed.</td></tr>}
            </tbody>
          </table>
        </div>
      )}
      <div className="panel">
        <h2>Events</h2>
        <table aria-label="events">
          <thead><tr><th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Object</th><th scope="col">Message</th><th scope="col">Count</th></tr></thead>
          <tbody>
            {history.events.map((e) => (
              <tr key={e.name} data-event={e.name}>
                <td><span className={`badge event-${str(e.object?.type)}`}>{str(e.object?.type)}</span></td>
                <td>{str(e.object?.reason)}</td><td>{str(e.object?.involved)}</td><td>{str(e.object?.message)}</td><td>{str(e.object?.count)}</td>
              </tr>
            ))}
            {!history.events.length && <tr><td colSpan={5} className="muted">No events.</td></tr>}
          </tbody>
        </table>
      </div>
    </>
  );
}
