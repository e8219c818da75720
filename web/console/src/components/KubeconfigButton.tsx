// "Download kubeconfig" on a cluster's page: the createKubeconfig mutation answers a
// file whose server is BCS's proxy and whose credential is a new token for
// this cluster only (listed under Tokens, revocable). Disabled, with the
// reason, below the project's kubeconfigMinRole.
import { useState } from 'react';
import { request } from '../api/client';
import { useQuery } from '../api/hooks';
import type { ApiError } from '../api/errors';
import type { Role } from './Gate';
import { ErrorView } from './ErrorView';
import { roleDenial } from '../pods/gate';
import { CreateKubeconfigMutation, KubectlSettingsQuery } from '../pods/ops';

export function KubeconfigButton({ pid, cid, name }: { pid: string; cid: string; name: string }) {
  const settings = useQuery(KubectlSettingsQuery, { id: pid });
  const p = settings.data?.project;
  const denied = roleDenial('downloading a kubeconfig', p?.viewerCan.role as Role | undefined, p?.kubectlSettings.kubeconfigMinRole as Role | undefined, settings.data?.me.admin);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { createKubeconfig: kubeconfig } = await request(CreateKubeconfigMutation, { clusterID: cid, expiresIn: '8h' });
      const url = URL.createObjectURL(new Blob([kubeconfig], { type: 'application/yaml' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${name}.kubeconfig`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <span className="gated">
        <button type="button" onClick={download} disabled={!!denied || busy} title={denied ?? 'a kubeconfig for kubectl through BCS, valid 8 hours'}
          aria-describedby={denied ? `kc-why-${cid}` : undefined} data-action="kubeconfig">Download kubeconfig</button>
        {denied && <span id={`kc-why-${cid}`} className="why">{denied}</span>}
      </span>
      <ErrorView error={error} />
    </>
  );
}
