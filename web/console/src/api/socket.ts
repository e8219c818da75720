// One graphql-transport-ws socket per tab (graphql-ws), shared by every live
// view. It reconnects forever; subscriptions built with `live()` resume from
// the last revision they saw, because their payload is read again on every
// (re)subscribe.
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { ApiError, type GraphQLErrorShape } from './errors';
import { csrfToken } from './session';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

let client: Client | null = null;
let state: ConnectionState = 'idle';
// Live subscriptions: a socket closed while there are none is idle (the
// client is lazy), not lost.
let active = 0;
const stateListeners = new Set<(s: ConnectionState) => void>();

function setState(s: ConnectionState) {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) fn(s);
}

export function connectionState(): ConnectionState {
  return state;
}
export function onConnectionState(fn: (s: ConnectionState) => void): () => void {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

function socketUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/query`;
}

function getClient(): Client {
  if (client) return client;
  let everConnected = false;
  client = createClient({
    url: socketUrl(),
    lazy: true,
    lazyCloseTimeout: 3000,
    keepAlive: 15000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // Exponential back-off capped at 5 s: a restarting server is back fast.
    retryWait: (n) => new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** n) * (0.5 + Math.random() / 2))),
    connectionParams: () => ({ csrfToken: csrfToken() }),
    on: {
      connecting: () => setState(everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        everConnected = true;
        setState('connected');
      },
      closed: () => setState(active > 0 && everConnected ? 'reconnecting' : 'idle'),
    },
  });
  return client;
}

/** Closes the socket (sign-out); the next subscription opens a new one. */
export function closeSocket() {
  client?.dispose();
  client = null;
  setState('idle');
}

export interface Sink<R> {
  next(data: R): void;
  error?(err: ApiError): void;
  /** The server ended the subscription (an operation finished). */
  complete?(): void;
  /**
   * A stream that never ends by itself (changes, cluster status): when the
   * server ends it anyway (the subscriber fell behind, the server is shutting
   * down) it is subscribed again, from the revision `variables` returns.
   */
  endless?: boolean;
}

// Errors that retrying cannot fix; anything else (INTERNAL, a server going
// away mid-subscribe) is retried with back-off, so a live view never dies
// silently.
const finalCodes = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'QUERY_LIMIT_EXCEEDED']);

/**
 * Subscribes; `variables` is called for each (re)subscribe so a live view can
 * ask for the changes after the last revision it applied. Returns unsubscribe.
 */
export function live<R, V>(doc: TypedDocumentNode<R, V>, variables: () => V, sink: Sink<R>): () => void {
  const query = print(doc);
  const payload = {
    query,
    get variables() {
      return variables() as Record<string, unknown>;
    },
  };
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let off: (() => void) | undefined;
  active++;
  const fail = (err: ApiError) => {
    off = undefined;
    if (stopped) return;
    if (finalCodes.has(err.code)) {
      sink.error?.(err);
      return;
    }
    timer = setTimeout(start, Math.min(5000, 250 * 2 ** attempt++));
  };
  const start = () => {
    off = getClient().subscribe<R>(payload, {
      next: (msg) => {
        attempt = 0;
        if (msg.errors?.length) {
          sink.error?.(new ApiError(msg.errors as unknown as GraphQLErrorShape[]));
          return;
        }
        if (msg.data) sink.next(msg.data);
      },
      error: (err) => {
        if (Array.isArray(err)) fail(new ApiError(err as GraphQLErrorShape[]));
        else fail(new ApiError([{ message: String((err as Error)?.message ?? (err as CloseEvent)?.reason ?? err), extensions: { code: 'NETWORK' } }]));
      },
      complete: () => {
        off = undefined;
        if (stopped) return;
        if (sink.endless) timer = setTimeout(start, Math.min(5000, 250 * 2 ** attempt++));
        else sink.complete?.();
      },
    });
  };
  start();
  return () => {
    if (stopped) return;
    stopped = true;
    active--;
    clearTimeout(timer);
    off?.();
  };
}
