// The sign-in session (CONSOLE-CONTRACT.md): a pasted API token becomes an
// HttpOnly cookie; the CSRF token answered with it goes on every POST and
// in the websocket's connection_init.

export interface SessionUser {
  id: string;
  name: string;
}
export interface Session {
  user: SessionUser;
  csrfToken: string;
}

let current: Session | null = null;
const listeners = new Set<(s: Session | null) => void>();

export function session(): Session | null {
  return current;
}
export function csrfToken(): string {
  return current?.csrfToken ?? '';
}
export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function set(s: Session | null) {
  current = s;
  for (const fn of listeners) fn(s);
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = await res.json();
    return body?.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** Restores the session from the cookie; null when there is none. */
export async function restore(): Promise<Session | null> {
  const res = await fetch('/auth/session', { credentials: 'same-origin' });
  if (!res.ok) {
    set(null);
    return null;
  }
  const s = (await res.json()) as Session;
  set(s);
  return s;
}

export async function signIn(token: string): Promise<Session> {
  const res = await fetch('/auth/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) throw new Error(await errorMessage(res));
  const s = (await res.json()) as Session;
  set(s);
  return s;
}

export async function signOut(): Promise<void> {
  await fetch('/auth/session', {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: { 'x-csrf-token': csrfToken() },
  });
  set(null);
}

/** Forget the session locally (the server answered UNAUTHENTICATED). */
export function expire() {
  if (current) set(null);
}
