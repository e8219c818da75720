// The field diff of a server-side dry run: per object what the apply would
// do (created / configured / unchanged) and each changed field, old → new.
// The server computes it (orchestrators/objdiff), so what is shown is what
// the API server would really change, Secret values already redacted.

export interface FieldDiff {
  path: string;
  old: string;
  new: string;
}
export interface ObjectDiff {
  kind: string;
  namespace: string;
  name: string;
  action: string;
  changes: FieldDiff[];
}
export interface Conflict {
  object: string;
  field: string;
  manager: string;
}

// Operation.result is the orchestrator's result marshalled as is; accept
// both Go's field names and lower-case ones.
function pick(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  return o[key] ?? o[key[0].toLowerCase() + key.slice(1)];
}
const str = (v: unknown) => (v == null ? '' : String(v));

export function parseDryRun(result: Record<string, unknown> | null | undefined): { objects: ObjectDiff[]; conflicts: Conflict[] } {
  const objects: ObjectDiff[] = [];
  const raw = pick(result ?? undefined, 'Objects');
  if (Array.isArray(raw)) {
    for (const o of raw as Record<string, unknown>[]) {
      const ref = (pick(o, 'Ref') ?? {}) as Record<string, unknown>;
      const changes = (pick(o, 'Changes') as Record<string, unknown>[] | null) ?? [];
      objects.push({
        kind: str(pick(ref, 'Kind')),
        namespace: str(pick(ref, 'Namespace')),
        name: str(pick(ref, 'Name')),
        action: str(pick(o, 'Action')),
        changes: changes.map((c) => ({ path: str(pick(c, 'Path')), old: str(pick(c, 'Old')), new: str(pick(c, 'New')) })),
      });
    }
  }
  const rawConflicts = pick(result ?? undefined, 'conflicts') ?? pick(result ?? undefined, 'Conflicts');
  const conflicts = Array.isArray(rawConflicts)
    ? (rawConflicts as Record<string, unknown>[]).map((c) => ({ object: str(pick(c, 'Object')), field: str(pick(c, 'Field')), manager: str(pick(c, 'Manager')) }))
    : [];
  return { objects, conflicts };
}

export function DiffView({ result }: { result: Record<string, unknown> | null | undefined }) {
  const { objects, conflicts } = parseDryRun(result);
  if (!objects.length && !conflicts.length) return <p className="muted">The dry run reported no objects.</p>;
  return (
    <div className="diff" aria-label="dry-run diff">
      {conflicts.length > 0 && (
        <div className="alert" role="alert">
          <strong>Conflicts</strong>: fields owned by other managers (apply with “take over” to force).
          <ul>{conflicts.map((c, i) => <li key={i}><code>{c.object}</code> <code>{c.field}</code> owned by <code>{c.manager}</code></li>)}</ul>
        </div>
      )}
      {objects.map((o, i) => (
        <section key={i} className="diff-object">
          <h4>
            <span className={`badge action-${o.action.toLowerCase()}`}>{o.action || 'unknown'}</span>{' '}
            {o.kind} {o.namespace ? `${o.namespace}/` : ''}{o.name}
          </h4>
          {o.changes.length > 0 ? (
            <table className="diff-table">
              <thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">After apply</th></tr></thead>
              <tbody>
                {o.changes.map((c, j) => (
                  <tr key={j}>
                    <td><code>{c.path}</code></td>
                    <td className="del">{c.old ? <code>{c.old}</code> : <span className="muted">absent</span>}</td>
                    <td className="add">{c.new ? <code>{c.new}</code> : <span className="muted">removed</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{o.action.toLowerCase() === 'created' ? 'New object: created as written.' : 'No field changes.'}</p>
          )}
        </section>
      ))}
    </div>
  );
}
