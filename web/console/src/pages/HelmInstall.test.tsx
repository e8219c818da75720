import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { clustersAnswer, fakeServer, projectAnswer, viewerCan } from './HelmTestServer';

// The operation's live updates: the started Install finishes at once.
vi.mock('../api/socket', () => ({
  connectionState: () => 'connected',
  onConnectionState: () => () => {},
  live: (_doc: unknown, vars: () => { id: string }, sink: { next(d: unknown): void }) => {
    queueMicrotask(() => sink.next({ operation: { id: vars().id, status: 'SUCCEEDED', reason: null, message: null, result: {} } }));
    return () => {};
  },
}));

const { default: HelmInstall } = await import('./HelmInstall');

const dryResult = { dryRun: true, revision: 1, chartVersion: '0.1.0', objects: { objectCount: 2, objects: [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: '', name: 'shop' }, { apiVersion: 'v1', kind: 'Service', namespace: '', name: 'shop' }] } };

beforeEach(() => history.replaceState(null, '', '/projects/prj_1/charts/install?chart=oci%3A%2F%2Freg%2Fcharts%2Fshop&version=0.1.0'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('install', () => {
  it('enables Install only after a preview of exactly these fields, then installs them', async () => {
    const sent = fakeServer({
      Clusters: clustersAnswer,
      Project: projectAnswer(viewerCan('DEVELOPER', ['clusterUse', 'namespaceUse'])),
      InstallRelease: (v) => ({ data: { installRelease: v.input.dryRun
        ? { id: 'op_1', status: 'SUCCEEDED', reason: null, message: null, result: dryResult }
        : { id: 'op_2', status: 'PENDING', reason: null, message: null, result: null } } }),
    });
    render(<HelmInstall pid="prj_1" />);
    fireEvent.change(await screen.findByLabelText('Release name'), { target: { value: 'shop' } });
    const preview = screen.getByRole('button', { name: 'Preview' }) as HTMLButtonElement;
    const install = screen.getByRole('button', { name: 'Install' }) as HTMLButtonElement;
    await waitFor(() => expect(preview.disabled).toBe(false));
    expect(install.disabled).toBe(true);
    fireEvent.click(preview);
    const panel = await screen.findByTestId('preview');
    expect(panel.textContent).toContain('2 objects');
    expect(panel.textContent).toContain('Deployment');
    expect(sent.find((s) => s.op === 'InstallRelease')!.variables.input).toEqual({ clusterID: 'cls_1', namespace: 'default', name: 'shop', chart: 'oci://reg/charts/shop', version: '0.1.0', dryRun: true });
    await waitFor(() => expect(install.disabled).toBe(false));

    // A changed field needs a new preview.
    fireEvent.change(screen.getByLabelText('Namespace'), { target: { value: 'shop' } });
    expect(install.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Namespace'), { target: { value: 'default' } });
    expect(install.disabled).toBe(false);

    fireEvent.click(install);
    const status = await screen.findByTestId('operation');
    await waitFor(() => expect(status.textContent).toContain('SUCCEEDED'));
    expect(sent.filter((s) => s.op === 'InstallRelease').map((s) => s.variables.input.dryRun)).toEqual([true, false]);
    expect((screen.getByRole('link', { name: 'Open the release' }) as HTMLAnchorElement).getAttribute('href')).toBe('/projects/prj_1/releases/cls_1/default/shop');
  });

  it('shows a values error from the server on its line, and keeps Install disabled', async () => {
    fakeServer({
      Clusters: clustersAnswer,
      Project: projectAnswer(viewerCan('DEVELOPER', ['clusterUse', 'namespaceUse'])),
      InstallRelease: () => ({ errors: [{ message: 'values are not valid YAML: line 2: could not find expected key', extensions: { code: 'BAD_USER_INPUT', field: 'values' } }] }),
    });
    render(<HelmInstall pid="prj_1" />);
    fireEvent.change(await screen.findByLabelText('Release name'), { target: { value: 'shop' } });
    const preview = screen.getByRole('button', { name: 'Preview' }) as HTMLButtonElement;
    await waitFor(() => expect(preview.disabled).toBe(false));
    fireEvent.click(preview);
    const err = await screen.findByTestId('values-error');
    expect(err.textContent).toContain('Line 2');
    expect(err.textContent).toContain('could not find expected key');
    expect((screen.getByRole('button', { name: 'Install' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('keeps Preview and Install disabled for a viewer', async () => {
    fakeServer({ Clusters: clustersAnswer, Project: projectAnswer(viewerCan('VIEWER', [])) });
    render(<HelmInstall pid="prj_1" />);
    fireEvent.change(await screen.findByLabelText('Release name'), { target: { value: 'shop' } });
    const preview = screen.getByRole('button', { name: 'Preview' });
    await waitFor(() => expect(preview.getAttribute('title')).toBe('needs role developer or higher (you are viewer)'));
    expect((preview as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('upgrade', () => {
  it('starts from the release’s current values and chart reference, and previews the values diff', async () => {
    history.replaceState(null, '', '/projects/prj_1/charts/install?upgrade=1&cluster=cls_1&namespace=shop&name=shop&chart=shop&version=0.1.0');
    const sent = fakeServer({
      Clusters: clustersAnswer,
      Project: projectAnswer(viewerCan('DEVELOPER', ['clusterUse', 'namespaceUse'])),
      ChartRepositories: () => ({ data: { chartRepositories: [{ id: 'crp_1', name: 'main', url: 'oci://reg/charts', kind: 'OCI', username: '', plainHTTP: false, hasPassword: false, createdBy: 'ann', createdAt: '' }] } }),
      // search is "contains": only the chart named exactly like the release's counts.
      Charts: () => ({ data: { charts: [{ name: 'shop', reference: 'oci://reg/charts/shop', description: '', versions: [] }, { name: 'shop-db', reference: 'oci://reg/charts/shop-db', description: '', versions: [] }] } }),
      ReleaseRevision: () => ({ data: { release: { name: 'shop', values: 'replicaCount: 1\n', manifest: '' } } }),
      UpgradeRelease: () => ({ data: { upgradeRelease: { id: 'op_1', status: 'SUCCEEDED', reason: null, message: null,
        result: { ...dryResult, revision: 2, valuesDiff: '--- current\n+++ new\n@@ -1 +1 @@\n-replicaCount: 1\n+replicaCount: 3\n' } } } }),
    });
    render(<HelmInstall pid="prj_1" />);
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Values YAML' }).textContent).toContain('replicaCount: 1'));
    expect((screen.getByLabelText('Release name') as HTMLInputElement).readOnly).toBe(true);
    await waitFor(() => expect((screen.getByLabelText('Chart') as HTMLInputElement).value).toBe('oci://reg/charts/shop'));
    const preview = screen.getByRole('button', { name: 'Preview' }) as HTMLButtonElement;
    await waitFor(() => expect(preview.disabled).toBe(false));
    fireEvent.click(preview);
    const diff = await screen.findByTestId('values-diff');
    expect([...diff.querySelectorAll('[data-kind="add"]')].map((e) => e.textContent)).toEqual(['added: +replicaCount: 3']);
    const input = sent.find((s) => s.op === 'UpgradeRelease')!.variables.input;
    expect(input).toMatchObject({ clusterID: 'cls_1', namespace: 'shop', name: 'shop', chart: 'oci://reg/charts/shop', version: '0.1.0', values: 'replicaCount: 1\n', dryRun: true });
    expect(screen.getByRole('button', { name: 'Upgrade' })).toBeTruthy();
  });
});
