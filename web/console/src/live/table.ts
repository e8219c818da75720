// The live-table reducer: rows listed at a revision, then kept current by
// the `changes` subscription. Changes apply strictly in revision order; one
// at or below the revision already applied is a replay (the resume after a
// reconnect re-sends from `since`) and is dropped, so nothing applies twice.

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface LiveChange {
  revision: number;
  type: ChangeType;
  clusterID: string;
  kind: string;
  namespace: string;
  name: string;
  objectID?: string | null;
  object?: Record<string, unknown> | null;
}

export interface Row {
  key: string;
  id?: string | null;
  clusterID: string;
  kind: string;
  namespace: string;
  name: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  images: string[];
  /** Revision of the change that last touched the row (0: from the list). */
  revision: number;
}

export interface TableState {
  rows: Map<string, Row>;
  /** Last revision applied: where a resume asks to continue from. */
  revision: number;
  /** Bumped on every applied change so memoised views recompute. */
  version: number;
}

export type Action =
  | { type: 'reset'; rows: Row[]; revision: number }
  | { type: 'changes'; changes: LiveChange[] };

export function rowKey(clusterID: string, kind: string, namespace: string, name: string): string {
  return `${clusterID}/${kind.toLowerCase()}/${namespace}/${name}`;
}

export function emptyTable(): TableState {
  return { rows: new Map(), revision: 0, version: 0 };
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

function rowFrom(c: LiveChange, prev?: Row): Row {
  const o = c.object ?? {};
  return {
    key: rowKey(c.clusterID, c.kind, c.namespace, c.name),
    id: c.objectID ?? prev?.id,
    clusterID: c.clusterID,
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    // Kubernetes workloads carry desired/ready/updated/available; Mesos
    // applications instances/running/current.
    desired: num(o.desired ?? o.replicas ?? o.instances ?? prev?.desired),
    ready: num(o.ready ?? o.running ?? prev?.ready),
    updated: num(o.updated ?? o.current ?? prev?.updated),
    available: num(o.available ?? o.running ?? prev?.available),
    images: Array.isArray(o.images) ? (o.images as string[]) : (prev?.images ?? []),
    revision: c.revision,
  };
}

/** Kinds the workloads table shows (the change log also carries pods, nodes…). */
export const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'MesosApplication', 'MesosDeployment']);

export function reduce(state: TableState, action: Action, accept: (c: LiveChange) => boolean = (c) => workloadKinds.has(c.kind)): TableState {
  switch (action.type) {
    case 'reset': {
      const rows = new Map<string, Row>();
      for (const r of action.rows) rows.set(r.key, r);
      return { rows, revision: action.revision, version: state.version + 1 };
    }
    case 'changes': {
      // Sort a copy: a batch may have been collected out of order.
      const sorted = [...action.changes].sort((a, b) => a.revision - b.revision);
      let rows = state.rows;
      let revision = state.revision;
      let touched = false;
      for (const c of sorted) {
        if (c.revision <= revision) continue;
        revision = c.revision;
        if (!accept(c)) continue;
        if (!touched) {
          rows = new Map(rows);
          touched = true;
        }
        const key = rowKey(c.clusterID, c.kind, c.namespace, c.name);
        if (c.type === 'DELETED') rows.delete(key);
        else rows.set(key, rowFrom(c, rows.get(key)));
      }
      if (revision === state.revision) return state;
      return { rows, revision, version: touched ? state.version + 1 : state.version };
    }
  }
}

export interface Filter {
  cluster?: string;
  namespace?: string;
  kind?: string;
  name?: string;
}

export function filterRows(state: TableState, f: Filter): Row[] {
  const name = f.name?.toLowerCase() ?? '';
  const out: Row[] = [];
  for (const r of state.rows.values()) {
    if (f.cluster && r.clusterID !== f.cluster) continue;
    if (f.namespace && r.namespace !== f.namespace) continue;
    if (f.kind && r.kind !== f.kind) continue;
    if (name && !r.name.toLowerCase().includes(name)) continue;
    out.push(r);
  }
  out.sort((a, b) => (a.namespace === b.namespace ? (a.name === b.name ? a.clusterID.localeCompare(b.clusterID) : a.name.localeCompare(b.name)) : a.namespace.localeCompare(b.namespace)));
  return out;
}
