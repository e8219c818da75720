// Template sets of a project: the list, and a new set from a draft.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../api/hooks';
import { CreateTemplateMutation, ProjectQuery, TemplatesQuery } from '../api/ops';
import { ErrorView, FormError } from '../components/ErrorView';
import { Gated, type Permissions } from '../components/Gate';
import { navigate } from '../router';

const starter = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{{ app }}"
spec:
  replicas: {{ replicas }}
  selector:
    matchLabels: {app: "{{ app }}"}
  template:
    metadata:
      labels: {app: "{{ app }}"}
    spec:
      containers:
      - name: app
        image: "{{ image }}"
`;

export function Templates({ pid }: { pid: string }) {
  const q = useQuery(TemplatesQuery, { id: pid });
  const perms = useQuery(ProjectQuery, { id: pid });
  const can = perms.data?.project.viewerCan as Permissions | undefined;
  const create = useMutation(CreateTemplateMutation);
  const [name, setName] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create.run({ input: { projectID: pid, name, kind: 'K8S', draft: starter } });
    if (r) navigate(`/projects/${pid}/templates/${r.createTemplate.id}`);
  };
  return (
    <>
      <h1>Templates</h1>
      <ErrorView error={q.error} />
      <div className="panel">
        <table aria-label="templates">
          <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Description</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {q.data?.project.templates.edges?.map((e) => e?.node && (
              <tr key={e.node.id}>
                <td><a href={`/projects/${pid}/templates/${e.node.id}`}>{e.node.name}</a></td>
                <td>{e.node.kind}</td><td>{e.node.description}</td><td>{new Date(e.node.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
            {q.data && !q.data.project.templates.edges?.length && <tr><td colSpan={4} className="muted">No template sets yet.</td></tr>}
          </tbody>
        </table>
      </div>
      <form className="panel" onSubmit={submit} aria-labelledby="new-template">
        <h2 id="new-template">New template set</h2>
        <div className="row">
          <div><label htmlFor="tpl-name">Name</label><input id="tpl-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
          <Gated can={can} action="templateCreate" type="submit" className="primary" disabled={create.busy}>Create</Gated>
        </div>
        <ErrorView error={create.error} field="name" />
        <FormError error={create.error} fields={['name']} />
      </form>
    </>
  );
}
