// Plain requests to BCS's Kubernetes proxy with the console's session: the
// cookie rides along, the CSRF header proves the console sent it.
import { useEffect, useState } from 'react';
import { csrfToken, expire } from '../api/session';
import { podPath } from './channel';

/** A Kubernetes Status (or a plain failure) as an Error with its message. */
export async function proxyError(res: Response): Promise<Error> {
  if (res.status === 401) expire();
  let msg = `${res.status} ${res.statusText}`;
  try {
    const st = (await res.json()) as { message?: string };
    if (st.message) msg = st.message;
  } catch {
    // not a Status: keep the HTTP status line
  }
  return new Error(msg);
}

export function proxyFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(path, { ...init, credentials: 'same-origin', headers: { ...init.headers, 'x-csrf-token': csrfToken() } });
}

/** The pod's container names, first the one kubectl would pick. */
export function useContainers(clusterID: string, ns: string, pod: string): { containers: string[]; error?: string } {
  const [state, setState] = useState<{ containers: string[]; error?: string }>({ containers: [] });
  useEffect(() => {
    const ctl = new AbortController();
    (async () => {
      const res = await proxyFetch(podPath(clusterID, ns, pod), { signal: ctl.signal });
      if (!res.ok) throw await proxyError(res);
      const p = (await res.json()) as { spec?: { containers?: { name: string }[] } };
      setState({ containers: (p.spec?.containers ?? []).map((c) => c.name) });
    })().catch((e: Error) => {
      if (!ctl.signal.aborted) setState({ containers: [], error: e.message });
    });
    return () => ctl.abort();
  }, [clusterID, ns, pod]);
  return state;
}
