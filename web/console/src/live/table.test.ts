import { describe, expect, it } from 'vitest';
import { emptyTable, filterRows, reduce, rowKey, type LiveChange, type Row } from './table';

const change = (revision: number, name: string, over: Partial<LiveChange> = {}): LiveChange => ({
  revision, type: 'MODIFIED', clusterID: 'c1', kind: 'Deployment', namespace: 'default', name,
  object: { desired: 2, ready: revision % 3, images: ['nginx'] }, ...over,
});
const row = (name: string, ready = 0): Row => ({
  key: rowKey('c1', 'Deployment', 'default', name), id: `id-${name}`, clusterID: 'c1', kind: 'Deployment', namespace: 'default', name,
  desired: 2, ready, updated: 0, available: 0, images: [], revision: 0,
});

describe('live table reducer', () => {
  it('applies a batch in revision order, whatever order it arrived in', () => {
    let s = reduce(emptyTable(), { type: 'reset', rows: [row('web')], revision: 10 });
    s = reduce(s, { type: 'changes', changes: [
      change(13, 'web', { object: { desired: 5, ready: 5 } }),
      change(11, 'web', { object: { desired: 3, ready: 1 } }),
      change(12, 'web', { type: 'DELETED' }),
    ] });
    // 11 modifies, 12 deletes, 13 re-adds with the newest state.
    expect(s.revision).toBe(13);
    expect(s.rows.get(rowKey('c1', 'Deployment', 'default', 'web'))).toMatchObject({ desired: 5, ready: 5, revision: 13 });
  });

  it('drops replayed changes at or below the applied revision (resume after a reconnect)', () => {
    let s = reduce(emptyTable(), { type: 'reset', rows: [row('web', 1)], revision: 20 });
    s = reduce(s, { type: 'changes', changes: [change(21, 'web', { object: { desired: 2, ready: 2 } })] });
    // The resubscribe with since=21 must not re-send 21, but a server that
    // replays from an older point must not roll the row back.
    const again = reduce(s, { type: 'changes', changes: [change(19, 'web', { type: 'DELETED' }), change(21, 'web', { object: { desired: 2, ready: 0 } })] });
    expect(again).toBe(s);
    expect(again.rows.get(rowKey('c1', 'Deployment', 'default', 'web'))?.ready).toBe(2);
  });

  it('resumes after a gap: later revisions apply, objects unseen so far are added', () => {
    let s = reduce(emptyTable(), { type: 'reset', rows: [row('web')], revision: 5 });
    s = reduce(s, { type: 'changes', changes: [change(6, 'web')] });
    // Disconnected; revisions 7..40 belonged to other projects or were missed,
    // the resumed stream continues at 41.
    s = reduce(s, { type: 'changes', changes: [change(41, 'api', { type: 'ADDED', objectID: 'id-api' }), change(42, 'web', { type: 'DELETED' })] });
    expect(s.revision).toBe(42);
    expect([...s.rows.keys()]).toEqual([rowKey('c1', 'Deployment', 'default', 'api')]);
    expect(s.rows.get(rowKey('c1', 'Deployment', 'default', 'api'))?.id).toBe('id-api');
  });

  it('advances the revision past changes of kinds it does not show, without a new version', () => {
    const s = reduce(emptyTable(), { type: 'reset', rows: [], revision: 1 });
    const t = reduce(s, { type: 'changes', changes: [change(2, 'web-abc', { kind: 'Pod', type: 'ADDED' })] });
    expect(t.revision).toBe(2);
    expect(t.rows.size).toBe(0);
    expect(t.version).toBe(s.version);
  });

  it('keeps the fields a change does not carry', () => {
    let s = reduce(emptyTable(), { type: 'reset', rows: [{ ...row('web'), images: ['a'] }], revision: 1 });
    s = reduce(s, { type: 'changes', changes: [change(2, 'web', { object: { ready: 1 } })] });
    expect(s.rows.get(rowKey('c1', 'Deployment', 'default', 'web'))).toMatchObject({ images: ['a'], desired: 2, ready: 1, id: 'id-web' });
  });

  it('filters by cluster, namespace, kind and name', () => {
    const s = reduce(emptyTable(), { type: 'reset', revision: 1, rows: [
      row('web'), row('api'), { ...row('db'), kind: 'StatefulSet', key: 'x' }, { ...row('web2'), clusterID: 'c2', key: 'y' },
    ] });
    expect(filterRows(s, { name: 'WE' }).map((r) => r.name)).toEqual(['web', 'web2']);
    expect(filterRows(s, { cluster: 'c2' }).map((r) => r.name)).toEqual(['web2']);
    expect(filterRows(s, { kind: 'StatefulSet' }).map((r) => r.name)).toEqual(['db']);
    expect(filterRows(s, { namespace: 'other' })).toEqual([]);
  });
});

describe('Mesos applications', () => {
  it('read instances/running/current as desired/ready/updated', () => {
    const s = reduce(emptyTable(), { type: 'changes', changes: [{ revision: 1, type: 'MODIFIED', clusterID: 'm1', kind: 'MesosApplication', namespace: 'prod', name: 'api',
      object: { instances: 3, running: 2, current: 1, images: ['api:2'] } }] });
    expect(s.rows.get(rowKey('m1', 'MesosApplication', 'prod', 'api'))).toMatchObject({ desired: 3, ready: 2, updated: 1, available: 2, images: ['api:2'] });
  });
});
