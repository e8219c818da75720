import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

// A stand-in for graphql-ws's client: it records each subscribe with the
// variables as they were sent (read from the payload then, as the real
// client serialises them on every (re)subscribe).
interface Call { variables: Record<string, unknown>; sink: { next(v: unknown): void; error(e: unknown): void; complete(): void }; disposed: boolean }
const calls: Call[] = [];
vi.mock('graphql-ws', () => ({
  createClient: () => ({
    subscribe(payload: { variables: Record<string, unknown> }, sink: Call['sink']) {
      const call: Call = { variables: JSON.parse(JSON.stringify(payload.variables)), sink, disposed: false };
      calls.push(call);
      return () => { call.disposed = true; };
    },
    dispose() {},
  }),
}));

const { live } = await import('./socket');
const doc = parse('subscription S($since: Int) { changes(since: $since) { revision } }') as unknown as TypedDocumentNode<{ changes: { revision: number } }, { since?: number }>;

beforeEach(() => {
  calls.length = 0;
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('live subscriptions', () => {
  it('resubscribe an endless stream the server ended, from the last revision seen', () => {
    let since = 5;
    const seen: number[] = [];
    const off = live(doc, () => ({ since }), { next: (d) => { seen.push(d.changes.revision); since = d.changes.revision; }, endless: true });
    expect(calls).toHaveLength(1);
    expect(calls[0].variables).toEqual({ since: 5 });
    calls[0].sink.next({ data: { changes: { revision: 6 } } });
    calls[0].sink.next({ data: { changes: { revision: 9 } } });
    calls[0].sink.complete(); // fell behind, or the server is shutting down
    vi.advanceTimersByTime(5000);
    expect(calls).toHaveLength(2);
    expect(calls[1].variables).toEqual({ since: 9 });
    expect(seen).toEqual([6, 9]);
    off();
    expect(calls[1].disposed).toBe(true);
  });

  it('retries transient errors with back-off and hands final ones to the view', () => {
    const errors: string[] = [];
    const off = live(doc, () => ({}), { next: () => {}, error: (e) => errors.push(e.code) });
    calls[0].sink.error([{ message: 'internal error', extensions: { code: 'INTERNAL', requestId: 'r1' } }]);
    expect(errors).toEqual([]);
    vi.advanceTimersByTime(249);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(2);
    calls[1].sink.error([{ message: 'not allowed', extensions: { code: 'FORBIDDEN' } }]);
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(2);
    expect(errors).toEqual(['FORBIDDEN']);
    off();
  });

  it('stops retrying once unsubscribed', () => {
    const off = live(doc, () => ({}), { next: () => {}, endless: true });
    calls[0].sink.complete();
    off();
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(1);
  });

  it('lets a finite stream (an operation) complete', () => {
    const done = vi.fn();
    live(doc, () => ({}), { next: () => {}, complete: done });
    calls[0].sink.complete();
    vi.advanceTimersByTime(10_000);
    expect(done).toHaveBeenCalledOnce();
    expect(calls).toHaveLength(1);
  });
});
