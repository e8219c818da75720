import { describe, expect, it } from 'vitest';
import { applyHistory, isAbout, type History, type HistoryChange } from './history';

const web = { kind: 'Deployment', name: 'web' };
const ev = (revision: number, name: string, involved: string, reason = 'Pulled', type: HistoryChange['type'] = 'ADDED'): HistoryChange => ({
  revision, type, kind: 'Event', name, object: { involved, reason },
});
const rs = (revision: number, name: string, rev: string, owner = 'Deployment/web', type: HistoryChange['type'] = 'ADDED'): HistoryChange => ({
  revision, type, kind: 'ReplicaSet', name, object: { revision: rev, owner },
});
const empty: History = { events: [], revisions: [] };

describe('workload history', () => {
  it('keeps the events about the workload, its ReplicaSets and pods only', () => {
    expect(isAbout(web, ev(1, 'a', 'Deployment/web'))).toBe(true);
    expect(isAbout(web, ev(1, 'a', 'Pod/web-7d4b9c-x2x9z'))).toBe(true);
    expect(isAbout(web, ev(1, 'a', 'ReplicaSet/web-7d4b9c'))).toBe(true);
    expect(isAbout(web, ev(1, 'a', 'Deployment/webapp'))).toBe(false);
    expect(isAbout(web, ev(1, 'a', 'Pod/webapp-1'))).toBe(false);
    expect(isAbout(web, ev(1, 'a', 'Service/web-1'))).toBe(false);
    expect(isAbout(web, ev(1, 'a', ''))).toBe(false);
  });

  it('puts a new or updated event first, once, and drops a deleted one', () => {
    let h = applyHistory(empty, ev(1, 'e1', 'Deployment/web', 'ScalingReplicaSet'), web);
    h = applyHistory(h, ev(2, 'e2', 'Pod/web-1', 'Pulled'), web);
    h = applyHistory(h, ev(3, 'e1', 'Deployment/web', 'ScalingReplicaSet again', 'MODIFIED'), web);
    expect(h.events.map((e) => `${e.name}:${e.object?.reason}`)).toEqual(['e1:ScalingReplicaSet again', 'e2:Pulled']);
    h = applyHistory(h, ev(4, 'e2', 'Pod/web-1', 'Pulled', 'DELETED'), web);
    expect(h.events.map((e) => e.name)).toEqual(['e1']);
  });

  it('ignores replays and other workloads, returning the same state', () => {
    const h = applyHistory(empty, ev(5, 'e1', 'Deployment/web'), web);
    expect(applyHistory(h, ev(5, 'e1', 'Deployment/web', 'replayed'), web)).toBe(h);
    expect(applyHistory(h, ev(6, 'x', 'Deployment/other'), web)).toBe(h);
    expect(applyHistory(h, ev(7, 'y', 'Pod/web-1', 'Killing', 'DELETED'), web)).toBe(h);
  });

  it('caps the events kept', () => {
    let h = empty;
    for (let i = 1; i <= 5; i++) h = applyHistory(h, ev(i, `e${i}`, 'Deployment/web'), web, 3);
    expect(h.events.map((e) => e.name)).toEqual(['e5', 'e4', 'e3']);
  });

  it('orders revisions newest first, numerically, and follows deletions', () => {
    let h = applyHistory(empty, rs(1, 'web-a', '2'), web);
    h = applyHistory(h, rs(2, 'web-b', '10'), web);
    h = applyHistory(h, rs(3, 'web-c', '9'), web);
    h = applyHistory(h, rs(4, 'web-x-1', '1', 'Deployment/web-x'), web);
    expect(h.revisions.map((r) => r.name)).toEqual(['web-b', 'web-c', 'web-a']);
    h = applyHistory(h, rs(5, 'web-c', '9', 'Deployment/web', 'DELETED'), web);
    expect(h.revisions.map((r) => r.name)).toEqual(['web-b', 'web-a']);
  });

  it('has no revisions for kinds other than Deployment', () => {
    expect(applyHistory(empty, rs(1, 'db-a', '1', 'StatefulSet/db'), { kind: 'StatefulSet', name: 'db' })).toBe(empty);
  });
});
