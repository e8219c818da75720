// A pod row's "Logs" and "Terminal": links to their pages; the terminal is
// disabled, with the reason, below the project's execMinRole.
import { useQuery } from '../api/hooks';
import type { Role } from './Gate';
import { roleDenial } from '../pods/gate';
import { KubectlSettingsQuery } from '../pods/ops';

/** Why the viewer may not open a terminal in the project's pods (null: may); one query per page. */
export function useExecDenial(pid: string): string | null {
  const settings = useQuery(KubectlSettingsQuery, { id: pid });
  const p = settings.data?.project;
  return roleDenial('a terminal', p?.viewerCan.role as Role | undefined, p?.kubectlSettings.execMinRole as Role | undefined, settings.data?.me.admin);
}

export function PodActions({ pid, cid, ns, pod, denied }: { pid: string; cid: string; ns: string; pod: string; denied: string | null }) {
  const base = `/projects/${encodeURIComponent(pid)}/clusters/${encodeURIComponent(cid)}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`;
  return (
    <span className="row">
      <a href={`${base}/logs`} data-action="logs">Logs</a>
      {denied
        ? <span className="gated"><button type="button" disabled title={denied} aria-label={`Terminal: ${denied}`} data-action="terminal">Terminal</button></span>
        : <a href={`${base}/terminal`} data-action="terminal">Terminal</a>}
    </span>
  );
}
