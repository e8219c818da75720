import { useQuery } from '../api/hooks';
import { AuditQuery, ProjectQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';
import { denial, type Permissions } from '../components/Gate';

export function Audit({ pid }: { pid: string }) {
  const perms = useQuery(ProjectQuery, { id: pid });
  const why = perms.data ? denial(perms.data.project.viewerCan as Permissions, 'auditView') : null;
  const q = useQuery(AuditQuery, { projectID: pid }, !perms.data || !!why);
  return (
    <>
      <h1>Audit log</h1>
      {why && <p className="muted" role="note">The audit log {why}.</p>}
      <ErrorView error={q.error ?? perms.error} />
      {q.data && (
        <div className="panel">
          <table aria-label="audit log">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Result</th><th scope="col">Request</th></tr></thead>
            <tbody>
              {q.data.auditLog.edges?.map((e) => e?.node && (
                <tr key={e.node.id}>
                  <td>{new Date(e.node.createdAt).toLocaleString()}</td>
                  <td>{e.node.actor}</td>
                  <td>{e.node.action}</td>
                  <td>{e.node.targetType} <code>{e.node.targetID}</code></td>
                  <td>{e.node.result}{e.node.error && <div className="muted">{e.node.error}</div>}</td>
                  <td><code>{e.node.requestID}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
