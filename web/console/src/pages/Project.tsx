import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { AddMemberMutation, ProjectQuery, RemoveMemberMutation, UpdateMemberMutation } from '../api/ops';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, denial, type Permissions } from '../components/Gate';
import type { MemberRole } from '../gql/graphql';

const roles: MemberRole[] = ['OWNER', 'MAINTAINER', 'DEVELOPER', 'VIEWER'];

export function ProjectPage({ pid }: { pid: string }) {
  const q = useQuery(ProjectQuery, { id: pid });
  const add = useMutation(AddMemberMutation);
  const update = useMutation(UpdateMemberMutation);
  const remove = useMutation(RemoveMemberMutation);
  const [userName, setUserName] = useState('');
  const [role, setRole] = useState<MemberRole>('DEVELOPER');
  const p = q.data?.project;
  const can = p?.viewerCan as Permissions | undefined;
  const manage = denial(can, 'memberManage');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await add.run({ projectID: pid, userName, role })) {
      setUserName('');
      q.reload();
    }
  };
  if (q.error) return <ErrorView error={q.error} />;
  if (!p) return <p className="muted">Loading…</p>;
  return (
    <>
      <h1>{p.name} <code className="muted">{p.code}</code></h1>
      {p.description && <p>{p.description}</p>}
      <p className="muted">Your role: {p.viewerCan.role?.toLowerCase() ?? 'platform admin'}</p>
      <div className="panel">
        <h2>Clusters</h2>
        <ul>
          {p.clusters.edges?.map((e) => e?.node && <li key={e.node.id}>{e.node.name} <span className={`badge status-${e.node.status}`}>{e.node.status}</span></li>)}
        </ul>
        <a href={`/projects/${pid}/clusters`}>Manage clusters</a>
      </div>
      <div className="panel">
        <h2>Members</h2>
        <ErrorView error={update.error ?? remove.error} />
        <table>
          <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col"><span className="skip">Actions</span></th></tr></thead>
          <tbody>
            {p.members.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td>{e.node.user.displayName || e.node.user.name}</td>
                <td>
                  <select aria-label={`Role of ${e.node.user.name}`} value={e.node.role} disabled={!!manage} title={manage ?? undefined}
                    onChange={async (ev) => { if (await update.run({ id: e.node!.id, role: ev.target.value as MemberRole })) q.reload(); }}>
                    {roles.map((r) => <option key={r} value={r}>{r.toLowerCase()}</option>)}
                  </select>
                </td>
                <td><Gated can={can} action="memberManage" className="danger" onClick={async () => { if (await remove.run({ id: e.node!.id })) q.reload(); }}>Remove</Gated></td>
              </tr>
            ))}
          </tbody>
        </table>
        <form onSubmit={submit} aria-labelledby="add-member">
          <h2 id="add-member">Add a member</h2>
          <div className="row">
            <div><label htmlFor="m-user">User name</label><input id="m-user" value={userName} onChange={(e) => setUserName(e.target.value)} required disabled={!!manage} /></div>
            <div>
              <label htmlFor="m-role">Role</label>
              <select id="m-role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)} disabled={!!manage}>
                {roles.map((r) => <option key={r} value={r}>{r.toLowerCase()}</option>)}
              </select>
            </div>
            <Gated can={can} action="memberManage" type="submit" className="primary" disabled={add.busy}>Add member</Gated>
          </div>
          <ErrorView error={add.error} field="userName" />
          <FormError error={add.error} fields={['userName']} />
        </form>
      </div>
    </>
  );
}
