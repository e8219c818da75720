// A unified diff of values, line by line, added and removed lines marked
// in words as well as colour.
import { diffLines } from './HelmOps';

const bg: Record<string, string | undefined> = { add: 'var(--add-bg)', del: 'var(--del-bg)' };

export function HelmDiff({ diff }: { diff: string }) {
  const lines = diffLines(diff);
  if (!lines.length) return <p className="muted" data-testid="values-diff">The values are the same.</p>;
  return (
    <pre className="yaml" data-testid="values-diff" aria-label="values diff">
      {lines.map((l, i) => (
        <div key={i} data-kind={l.kind} style={{ background: bg[l.kind], fontWeight: l.kind === 'hunk' ? 600 : undefined }}>
          {l.kind === 'add' && <span className="skip">added: </span>}
          {l.kind === 'del' && <span className="skip">removed: </span>}
          {l.text}
        </div>
      ))}
    </pre>
  );
}
