import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { CreateProjectMutation, ProjectsQuery } from '../api/ops';
import { ErrorView, FormError } from '../components/ErrorView';
import { navigate } from '../router';

export function Projects() {
  const q = useQuery(ProjectsQuery, {});
  const create = useMutation(CreateProjectMutation);
  const [form, setForm] = useState({ name: '', code: '', description: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create.run({ input: form });
    if (r) navigate(`/projects/${r.createProject.id}`);
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <>
      <h1>Projects</h1>
      <ErrorView error={q.error} />
      <div className="panel">
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Code</th><th scope="col">Description</th></tr></thead>
          <tbody>
            {q.data?.projects.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td><a href={`/projects/${e.node.id}`}>{e.node.name}</a>{e.node.archived && <span className="badge">archived</span>}</td>
                <td><code>{e.node.code}</code></td>
                <td>{e.node.description}</td>
              </tr>
            ))}
            {q.data && !q.data.projects.edges?.length && <tr><td colSpan={3} className="muted">No projects yet.</td></tr>}
          </tbody>
        </table>
      </div>
      <form className="panel" onSubmit={submit} aria-labelledby="create-project">
        <h2 id="create-project">Create a project</h2>
        <div className="row">
          <div><label htmlFor="p-name">Name</label><input id="p-name" value={form.name} onChange={set('name')} required /></div>
          <div><label htmlFor="p-code">Code</label><input id="p-code" value={form.code} onChange={set('code')} required pattern="[a-z][a-z0-9\-]*" /></div>
          <div><label htmlFor="p-desc">Description</label><input id="p-desc" value={form.description} onChange={set('description')} /></div>
          <button className="primary" type="submit" disabled={create.busy}>Create</button>
        </div>
        <ErrorView error={create.error} field="name" />
        <ErrorView error={create.error} field="code" />
        <ErrorView error={create.error} field="description" />
        <FormError error={create.error} fields={['name', 'code', 'description']} />
      </form>
    </>
  );
}
