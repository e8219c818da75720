import { useQuery } from '../api/hooks';
import { OperationsQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';

export function Operations({ pid }: { pid: string }) {
  const q = useQuery(OperationsQuery, { projectID: pid });
  return (
    <>
      <h1>Operations</h1>
      <p><button type="button" onClick={q.reload}>Refresh</button></p>
      <ErrorView error={q.error} />
      <div className="panel">
        <table aria-label="operations">
          <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">By</th><th scope="col">Message</th></tr></thead>
          <tbody>
            {q.data?.operations.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td>{new Date(e.node.createdAt).toLocaleString()}</td>
                <td>{e.node.action}</td>
                <td>{e.node.targetKind} {e.node.targetNamespace ? `${e.node.targetNamespace}/` : ''}{e.node.targetName}</td>
                <td><span className={`badge status-${e.node.status}`}>{e.node.status}</span>{e.node.reason && <div><code>{e.node.reason}</code></div>}</td>
                <td>{e.node.createdBy}</td>
                <td>{e.node.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
