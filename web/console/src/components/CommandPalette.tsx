// Ctrl-K: jump to any project, cluster, page or workload (workloads of the
// open project come from the live table's listing when it is loaded).
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '../api/hooks';
import { SearchQuery } from '../api/ops';
import { navigate } from '../router';

interface Item {
  label: string;
  hint: string;
  href: string;
}

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const q = useQuery(SearchQuery, {});
  const [text, setText] = useState('');
  const [sel, setSel] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const items = useMemo(() => {
    const all: Item[] = [{ label: 'Projects', hint: 'page', href: '/projects' }, { label: 'API tokens', hint: 'page', href: '/tokens' }];
    for (const e of q.data?.projects.edges ?? []) {
      const p = e?.node;
      if (!p) continue;
      all.push({ label: p.name, hint: 'project', href: `/projects/${p.id}` });
      for (const page of ['clusters', 'workloads', 'deploy', 'templates', 'operations', 'audit']) all.push({ label: `${p.name} › ${page}`, hint: 'page', href: `/projects/${p.id}/${page}` });
      for (const c of p.clusters.edges ?? []) if (c?.node) all.push({ label: c.node.name, hint: `cluster in ${p.name}`, href: `/projects/${p.id}/workloads?cluster=${encodeURIComponent(c.node.id)}` });
    }
    const t = text.toLowerCase();
    const hits = t ? all.filter((i) => i.label.toLowerCase().includes(t)) : all;
    if (t) for (const e of q.data?.projects.edges ?? []) if (e?.node) hits.push({ label: `workloads named “${text}” in ${e.node.name}`, hint: 'search', href: `/projects/${e.node.id}/workloads?name=${encodeURIComponent(text)}` });
    return hits.slice(0, 50);
  }, [q.data, text]);
  const go = (i?: Item) => {
    if (!i) return;
    onClose();
    navigate(i.href);
  };
  return (
    <div className="palette-back" onClick={onClose}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette" onClick={(e) => e.stopPropagation()}>
        <input ref={input} role="combobox" aria-expanded="true" aria-controls="palette-list" aria-activedescendant={`pi-${sel}`} aria-label="Jump to"
          placeholder="Jump to a project, cluster, page or workload…" value={text}
          onChange={(e) => { setText(e.target.value); setSel(0); }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') { e.preventDefault(); setSel((s) => Math.min(s + 1, items.length - 1)); }
            else if (e.key === 'ArrowUp') { e.preventDefault(); setSel((s) => Math.max(s - 1, 0)); }
            else if (e.key === 'Enter') go(items[sel]);
          }} />
        {q.error && <p className="field-error" role="alert">{q.error.message}</p>}
        <ul id="palette-list" role="listbox" aria-label="Matches">
          {items.map((i, n) => (
            <li key={i.href + i.label} id={`pi-${n}`} role="option" aria-selected={n === sel} onMouseEnter={() => setSel(n)} onClick={() => go(i)}>
              {i.label} <span className="muted">· {i.hint}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
