// Follows one operation over the socket until it has finished.
import { useEffect, useState } from 'react';
import { OperationSubscription } from '../api/ops';
import { live } from '../api/socket';

export interface Op {
  id: string;
  status: string;
  reason?: string;
  message?: string;
  result?: Record<string, unknown> | null;
}

export function useOperation(initial: Op | undefined): Op | undefined {
  const [op, setOp] = useState(initial);
  useEffect(() => {
    setOp(initial);
    if (!initial || initial.status === 'SUCCEEDED' || initial.status === 'FAILED') return;
    return live(OperationSubscription, () => ({ id: initial.id }), { next: (d) => setOp(d.operation) });
  }, [initial]);
  return op;
}

export function OperationStatus({ op, label }: { op?: Op; label: string }) {
  const cur = useOperation(op);
  if (!cur) return null;
  return (
    <p role="status" data-testid="operation">
      {label}: <span className={`badge status-${cur.status}`}>{cur.status}</span>
      {cur.reason && <> <code>{cur.reason}</code></>} {cur.message && <span className="muted">{cur.message}</span>}
    </p>
  );
}
