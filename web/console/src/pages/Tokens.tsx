import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { CreateTokenMutation, RevokeTokenMutation, TokensQuery } from '../api/ops';
import { ErrorView, FormError } from '../components/ErrorView';

export function Tokens() {
  const q = useQuery(TokensQuery, {});
  const create = useMutation(CreateTokenMutation);
  const revoke = useMutation(RevokeTokenMutation);
  const [name, setName] = useState('');
  const [expiresIn, setExpiresIn] = useState('720h');
  const [secret, setSecret] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create.run({ input: { name, expiresIn: expiresIn || undefined } });
    if (r) {
      setSecret(r.createToken.secret);
      setName('');
      q.reload();
    }
  };
  return (
    <>
      <h1>API tokens</h1>
      <ErrorView error={q.error ?? revoke.error} />
      <div className="panel">
        <table aria-label="tokens">
          <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {q.data?.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{new Date(t.createdAt).toLocaleString()}</td>
                <td>{t.expiresAt ? new Date(t.expiresAt).toLocaleString() : 'never'}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : '—'}</td>
                <td>{t.revokedAt ? 'revoked' : 'active'}</td>
                <td>{!t.revokedAt && <button type="button" className="danger" onClick={async () => { if (await revoke.run({ id: t.id })) q.reload(); }}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="panel" onSubmit={submit} aria-labelledby="new-token">
        <h2 id="new-token">Create a token</h2>
        <div className="row">
          <div><label htmlFor="t-name">Name</label><input id="t-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
          <div><label htmlFor="t-exp">Expires in</label><input id="t-exp" value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} placeholder="720h" /></div>
          <button className="primary" type="submit" disabled={create.busy}>Create</button>
        </div>
        <ErrorView error={create.error} field="name" />
        <ErrorView error={create.error} field="expiresIn" />
        <FormError error={create.error} fields={['name', 'expiresIn']} />
        {secret && (
          <div className="copy">
            <code aria-label="new token secret">{secret}</code>
            <button type="button" onClick={() => navigator.clipboard?.writeText(secret)}>Copy</button>
          </div>
        )}
        {secret && <p className="muted">Shown only now.</p>}
      </form>
    </>
  );
}
