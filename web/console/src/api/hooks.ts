// React hooks over request() and the socket.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { request } from './client';
import type { ApiError } from './errors';
import { connectionState, onConnectionState, type ConnectionState } from './socket';

export interface QueryState<R> {
  data?: R;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

export function useQuery<R, V>(doc: TypedDocumentNode<R, V>, variables: V, skip = false): QueryState<R> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: R; error?: ApiError; loading: boolean }>({ loading: !skip });
  const [tick, setTick] = useState(0);
  const vars = useRef(variables);
  vars.current = variables;
  useEffect(() => {
    if (skip) return;
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    request(doc, vars.current).then(
      (data) => alive && setState({ data, loading: false }),
      (error: ApiError) => alive && setState({ error, loading: false }),
    );
    return () => {
      alive = false;
    };
  }, [doc, key, tick, skip]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Runs a mutation, keeping its error for the form that sent it. */
export function useMutation<R, V>(doc: TypedDocumentNode<R, V>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = useCallback(
    async (variables: V): Promise<R | undefined> => {
      setBusy(true);
      setError(undefined);
      try {
        return await request(doc, variables);
      } catch (e) {
        setError(e as ApiError);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [doc],
  );
  return { run, busy, error, clearError: () => setError(undefined) };
}

export function useConnectionState(): ConnectionState {
  const [s, set] = useState(connectionState());
  useEffect(() => onConnectionState(set), []);
  return s;
}
