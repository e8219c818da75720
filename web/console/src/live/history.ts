// A workload's events and revision history: listed from the API (the
// latest state of each Event and ReplicaSet), then kept current by the
// page's `changes` subscription. Mirrors resolvers/workloadhistory.go, so a
// live change lands where a reload would put it.

export interface HistoryChange {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  name: string;
  object?: Record<string, unknown> | null;
}

export interface History {
  events: HistoryChange[];
  revisions: HistoryChange[];
}

/** The workload: its Kubernetes kind ("Deployment") and name. */
export interface WorkloadRef {
  kind: string;
  name: string;
}

/** Events about the workload, its ReplicaSets or its pods (named after it). */
export function isAbout(w: WorkloadRef, c: HistoryChange): boolean {
  const involved = String(c.object?.involved ?? '');
  const i = involved.indexOf('/');
  if (i < 0) return false;
  const kind = involved.slice(0, i);
  const name = involved.slice(i + 1);
  if (kind === w.kind && name === w.name) return true;
  return (kind === 'Pod' || kind === 'ReplicaSet') && name.startsWith(`${w.name}-`);
}

export function revisionNumber(c: HistoryChange): number {
  return Number(c.object?.revision ?? 0) || 0;
}

function put(list: HistoryChange[], c: HistoryChange): HistoryChange[] {
  const rest = list.filter((x) => x.name !== c.name);
  return c.type === 'DELETED' ? rest : [c, ...rest];
}

/** Applies one live change; unrelated or replayed changes return h itself. */
export function applyHistory(h: History, c: HistoryChange, w: WorkloadRef, maxEvents = 50): History {
  if (c.kind === 'Event') {
    const known = h.events.find((x) => x.name === c.name);
    if (known && known.revision >= c.revision) return h;
    // A deletion carries the last stored object, so it is matched like the rest.
    if (!known && (c.type === 'DELETED' || !isAbout(w, c))) return h;
    return { ...h, events: put(h.events, c).slice(0, maxEvents) };
  }
  if (c.kind === 'ReplicaSet' && w.kind === 'Deployment') {
    const known = h.revisions.find((x) => x.name === c.name);
    if (known && known.revision >= c.revision) return h;
    if (!known && (c.type === 'DELETED' || c.object?.owner !== `Deployment/${w.name}`)) return h;
    const revisions = put(h.revisions, c).sort((a, b) => revisionNumber(b) - revisionNumber(a));
    return { ...h, revisions };
  }
  return h;
}
