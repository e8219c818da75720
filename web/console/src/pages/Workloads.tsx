// Every workload of a project across all its clusters in one virtualised
// table, live from the `changes` subscription. Filters live in the URL so a
// filtered view is a link too.
import { useMemo, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useQuery } from '../api/hooks';
import { ClustersQuery } from '../api/ops';
import { ErrorView } from '../components/ErrorView';
import { filterRows, type Filter } from '../live/table';
import { useLiveTable } from '../live/useLiveTable';
import { navigate, useLocation } from '../router';

const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'MesosApplication'];

export function Workloads({ pid }: { pid: string }) {
  const { query } = useLocation();
  const filter: Filter = {
    cluster: query.get('cluster') ?? '', namespace: query.get('namespace') ?? '', kind: query.get('kind') ?? '', name: query.get('name') ?? '',
  };
  const { state, loading, error } = useLiveTable(pid);
  const clusters = useQuery(ClustersQuery, { id: pid });
  const clusterName = useMemo(() => {
    const m: Record<string, string> = {};
    for (const e of clusters.data?.project.clusters.edges ?? []) if (e?.node) m[e.node.id] = e.node.name;
    return m;
  }, [clusters.data]);
  const namespaces = useMemo(() => [...new Set([...state.rows.values()].map((r) => r.namespace))].sort(), [state.version]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rows = useMemo(() => filterRows(state, filter), [state.version, filter.cluster, filter.namespace, filter.kind, filter.name]);
  const setFilter = (k: keyof Filter, v: string) => {
    const q = new URLSearchParams(location.search);
    if (v) q.set(k, v);
    else q.delete(k);
    const s = q.toString();
    navigate(`/projects/${pid}/workloads${s ? `?${s}` : ''}`, true);
  };
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 34, overscan: 12 });
  // Arrow keys, Home and End move between rows (only the visible ones exist:
  // scroll first, then focus the row's link once it is rendered).
  const onKeyDown = (e: KeyboardEvent) => {
    const current = Number((document.activeElement?.closest('[aria-rowindex]') as HTMLElement | null)?.getAttribute('aria-rowindex') ?? 0) - 1;
    const next = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: rows.length - 1 }[e.key];
    if (next === undefined || !rows.length) return;
    e.preventDefault();
    const i = Math.max(0, Math.min(rows.length - 1, next));
    v.scrollToIndex(i);
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[aria-rowindex="${i + 1}"] a`)?.focus());
  };
  return (
    <>
      <h1>Workloads</h1>
      <div className="row" role="search" aria-label="Filter workloads">
        <div>
          <label htmlFor="f-cluster">Cluster</label>
          <select id="f-cluster" value={filter.cluster} onChange={(e) => setFilter('cluster', e.target.value)}>
            <option value="">all</option>
            {Object.entries(clusterName).map(([id, n]) => <option key={id} value={id}>{n}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-ns">Namespace</label>
          <select id="f-ns" value={filter.namespace} onChange={(e) => setFilter('namespace', e.target.value)}>
            <option value="">all</option>
            {namespaces.map((n) => <option key={n}>{n}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-kind">Kind</label>
          <select id="f-kind" value={filter.kind} onChange={(e) => setFilter('kind', e.target.value)}>
            <option value="">all</option>
            {kinds.map((k) => <option key={k}>{k}</option>)}
          </select>
        </div>
        <div><label htmlFor="f-name">Name</label><input id="f-name" type="search" value={filter.name} onChange={(e) => setFilter('name', e.target.value)} /></div>
        <span className="muted" aria-live="polite">{loading ? 'Loading…' : `${rows.length} of ${state.rows.size} workloads · revision ${state.revision}`}</span>
      </div>
      <ErrorView error={error} />
      <div role="table" aria-label="workloads" aria-rowcount={rows.length}>
        <div role="rowgroup">
          <div role="row" className="vt-head">
            <span role="columnheader">Name</span><span role="columnheader">Namespace</span><span role="columnheader">Cluster</span>
            <span role="columnheader">Kind</span><span role="columnheader">Ready</span><span role="columnheader">Images</span>
          </div>
        </div>
        {/* Focusable so the keyboard can scroll it; only the visible rows exist. */}
        <div className="vt" ref={scroller} tabIndex={0} role="rowgroup" onKeyDown={onKeyDown} aria-keyshortcuts="ArrowDown ArrowUp Home End">
          <div style={{ height: v.getTotalSize(), position: 'relative' }} role="presentation">
            {v.getVirtualItems().map((item) => {
              const r = rows[item.index];
              return (
                <div role="row" key={r.key} className="vt-row" style={{ top: item.start }} aria-rowindex={item.index + 1} data-workload={r.name}>
                  <span role="cell">{r.id ? <a href={`/projects/${pid}/workloads/${encodeURIComponent(r.id)}`}>{r.name}</a> : r.name}</span>
                  <span role="cell">{r.namespace}</span>
                  <span role="cell">{clusterName[r.clusterID] ?? r.clusterID}</span>
                  <span role="cell">{r.kind}</span>
                  <span role="cell" data-testid="ready">{r.ready}/{r.desired}</span>
                  <span role="cell" title={r.images.join(', ')}>{r.images.join(', ')}</span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </>
  );
}
