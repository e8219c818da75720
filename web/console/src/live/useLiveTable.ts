// Keeps a project's workloads table live: read the head revision, list the
// rows, then follow `changes` from that head. Replayed changes are dropped
// by the reducer; a reconnect resubscribes from the last applied revision;
// a log that no longer reaches back that far (REVISION_COMPACTED) relists.
import { useEffect, useReducer, useRef } from 'react';
import { request } from '../api/client';
import { HeadQuery, WorkloadsPageQuery, ChangesSubscription } from '../api/ops';
import { live } from '../api/socket';
import type { ApiError } from '../api/errors';
import { emptyTable, reduce, rowKey, type Action, type LiveChange, type Row, type TableState } from './table';

// Workload.kind (enum) → the Kubernetes kind the change log uses.
export const kindNames: Record<string, string> = {
  DEPLOYMENT: 'Deployment', STATEFUL_SET: 'StatefulSet', DAEMON_SET: 'DaemonSet', JOB: 'Job', CRON_JOB: 'CronJob',
  MESOS_APPLICATION: 'MesosApplication', MESOS_DEPLOYMENT: 'MesosDeployment',
};

/** The kind workload mutations take: Mesos applications are "Application". */
export function apiKind(kind: string): string {
  return kind === 'MesosApplication' ? 'Application' : kind;
}

async function listAll(projectID: string): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null | undefined;
  for (;;) {
    const d = await request(WorkloadsPageQuery, { projectID, after });
    for (const e of d.workloads.edges ?? []) {
      const n = e?.node;
      if (!n) continue;
      const kind = kindNames[n.kind] ?? n.kind;
      rows.push({ key: rowKey(n.clusterID, kind, n.namespace, n.name), id: n.id, clusterID: n.clusterID, kind, namespace: n.namespace, name: n.name,
        desired: n.desired, ready: n.ready, updated: n.updated, available: n.available, images: n.images ?? [], revision: 0 });
    }
    if (!d.workloads.pageInfo.hasNextPage) return rows;
    after = d.workloads.pageInfo.endCursor;
  }
}

export function useLiveTable(projectID: string) {
  const [state, dispatch] = useReducer((s: TableState, a: Action) => reduce(s, a), undefined, emptyTable);
  const revision = useRef(0);
  const [status, setStatus] = useReducer((_: { loading: boolean; error?: ApiError }, s: { loading: boolean; error?: ApiError }) => s, { loading: true });

  useEffect(() => {
    let alive = true;
    let unsubscribe: (() => void) | undefined;
    let buffer: LiveChange[] = [];
    let frame = 0;
    // Until the listing is in, changes wait: the reset would drop them.
    let listed = false;
    // Changes arrive one message each; apply them once per frame so 200/s
    // costs one render per frame, not one per change.
    const flush = () => {
      frame = 0;
      if (!listed) return;
      const batch = buffer;
      buffer = [];
      if (alive && batch.length) dispatch({ type: 'changes', changes: batch });
    };
    const follow = () => {
      unsubscribe?.();
      unsubscribe = live(ChangesSubscription, () => ({ filter: { projectID }, since: revision.current }), {
        next: (d) => {
          buffer.push(d.changes as LiveChange);
          // Keep the resume point current even before the frame flushes.
          if (d.changes.revision > revision.current) revision.current = d.changes.revision;
          if (!frame) frame = requestAnimationFrame(flush);
        },
        error: (err) => {
          if (!alive) return;
          const reason = err.errors[0]?.extensions?.reason;
          if (reason === 'REVISION_COMPACTED') void load();
          else setStatus({ loading: false, error: err });
        },
        endless: true,
      });
    };
    const load = async () => {
      listed = false;
      buffer = [];
      try {
        setStatus({ loading: true });
        // The head before the listing: following from it replays whatever
        // changed while listing (dropped or re-applied idempotently). It is
        // read even when the log has been compacted, so there is no gap.
        const head = (await request(HeadQuery, { projectID })).changesHead;
        const rows = await listAll(projectID);
        if (!alive) return;
        dispatch({ type: 'reset', rows, revision: head });
        listed = true;
        setStatus({ loading: false });
        revision.current = head;
        follow();
      } catch (e) {
        if (alive) setStatus({ loading: false, error: e as ApiError });
      }
    };
    void load();
    return () => {
      alive = false;
      unsubscribe?.();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [projectID]);
  return { state, ...status };
}
