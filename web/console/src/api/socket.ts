// One graphql-transport-ws socket per tab (graphql-ws), shared by every live
// view. It reconnects forever; subscriptions built with `live()` resume from
// the last revision they saw, because their payload is read again on every
// (re)subscribe.
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { ApiError, type GraphQLErrorShape } from './errors';
import { csrfToken } from './session';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

let client: Client | null = null;
let state: ConnectionState = 'closed';
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
      closed: () => setState(everConnected ? 'reconnecting' : 'closed'),
    },
  });
  return client;
}

/** Closes the socket (sign-out); the next subscription opens a new one. */
export function closeSocket() {
  client?.dispose();
  client = null;
  setState('closed');
}

export interface Sink<R> {
  next(data: R): void;
  error?(err: ApiError): void;
  /** The server ended the subscription (e.g. the subscriber fell behind). */
  complete?(): void;
}

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
  return getClient().subscribe<R>(payload, {
    next: (msg) => {
      if (msg.errors?.length) {
        sink.error?.(new ApiError(msg.errors as unknown as GraphQLErrorShape[]));
        return;
      }
      if (msg.data) sink.next(msg.data);
    },
    error: (err) => {
      if (Array.isArray(err)) sink.error?.(new ApiError(err as GraphQLErrorShape[]));
      else sink.error?.(new ApiError([{ message: String((err as Error)?.message ?? err), extensions: { code: 'NETWORK' } }]));
    },
    complete: () => sink.complete?.(),
  });
}
