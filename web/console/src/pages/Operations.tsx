import { useQuery } from '../api/hooks';
import { OperationsQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';
import { useOperation } from '../components/OperationStatus';

export function Operations({ pid }: { pid: string }) {
  const q = useQuery(OperationsQuery, { projectID: pid });
  return (
    <>
      <h1>Operations</h1>
      <p><button type="button" onClick={q.reload}>Refresh</button></p>
      <ErrorView error={q.error} />
      <div className="panel">
        <table aria-label="operations">
          <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Message</th><th scope="col">By</th></tr></thead>
          <tbody>
            {q.data?.operations.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td>{new Date(e.node.createdAt).toLocaleString()}</td>
                <td>{e.node.action}</td>
                <td>{e.node.targetKind} {e.node.targetNamespace ? `${e.node.targetNamespace}/` : ''}{e.node.targetName}</td>
                <LiveStatus op={e.node} />
                <td>{e.node.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

// An unfinished operation's row follows it over the socket until it ends.
function LiveStatus({ op }: { op: { id: string; status: string; reason: string; message: string } }) {
  const cur = useOperation(op) ?? op;
  return (
    <>
      <td><span className={`badge status-${cur.status}`}>{cur.status}</span>{cur.reason && <div><code>{cur.reason}</code></div>}</td>
      <td>{cur.message}</td>
    </>
  );
}
