// Sign-in by API token (from `bcs token create` or the Tokens page); the
// server turns it into an HttpOnly session cookie and the token itself is
// not kept by the page.
import { useState, type FormEvent } from 'react';
import { signIn } from '../api/session';

export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(token.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <div className="panel">
        <h1>Sign in to BCS</h1>
        <form onSubmit={submit}>
          <label htmlFor="token">API token</label>
          <textarea id="token" name="token" rows={3} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} required aria-describedby="token-help" />
          <p id="token-help" className="muted">Create one with <code>bcs token create --user NAME</code>.</p>
          {error && <p className="field-error" role="alert">{error}</p>}
          <button className="primary" type="submit" disabled={busy || !token.trim()}>Sign in</button>
        </form>
      </div>
    </main>
  );
}
