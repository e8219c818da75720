import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { fakeServer, projectAnswer, viewerCan } from './HelmTestServer';

vi.mock('../api/socket', () => ({
  connectionState: () => 'connected',
  onConnectionState: () => () => {},
  // A followed operation finishes at once.
  live: (_doc: unknown, vars: () => { id: string }, sink: { next(d: unknown): void }) => {
    queueMicrotask(() => sink.next({ operation: { id: vars().id, status: 'SUCCEEDED', reason: null, message: null, result: {} } }));
    return () => {};
  },
}));
const { HelmRelease } = await import('./HelmRelease');

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const rev = (revision: number, status: string, chartVersion: string) => ({ revision, status, chart: 'shop', chartVersion, appVersion: '1.0', updated: '2026-01-01T00:00:00Z', description: `Step ${revision}` });
const release = (history: ReturnType<typeof rev>[]) => () => ({ data: { release: {
  clusterID: 'cls_1', name: 'shop', namespace: 'shop', revision: history[history.length - 1].revision, status: 'deployed', chart: 'shop',
  chartVersion: history[history.length - 1].chartVersion, appVersion: '1.0', updated: null, description: '', history } } });

describe('release page', () => {
  it('rolls back to an older revision, offers no rollback to the current one, and diffs the two latest values', async () => {
    const sent = fakeServer({
      Release: release([rev(1, 'superseded', '0.1.0'), rev(2, 'deployed', '0.2.0')]),
      Project: projectAnswer(viewerCan('DEVELOPER', ['clusterUse', 'namespaceUse'])),
      ReleaseValuesDiff: (v) => ({ data: { release: { name: 'shop', valuesDiff: `--- revision ${v.from}\n+++ revision ${v.to}\n@@ -1 +1 @@\n-replicaCount: 1\n+replicaCount: 3\n` } } }),
      ReleaseRevision: (v) => ({ data: { release: { name: 'shop', values: `rev: ${v.revision}\n`, manifest: 'kind: Deployment\n' } } }),
      RollbackRelease: () => ({ data: { rollbackRelease: { id: 'op_1', status: 'PENDING', reason: null, message: null, result: null } } }),
    });
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    render(<HelmRelease pid="prj_1" cid="cls_1" ns="shop" name="shop" />);
    const history = await screen.findByRole('table', { name: 'history' });
    const r2 = history.querySelector('[data-revision="2"]') as HTMLElement;
    const r1 = history.querySelector('[data-revision="1"]') as HTMLElement;
    expect(within(r2).queryByRole('button', { name: 'Rollback' })).toBeNull();
    const rb = within(r1).getByRole('button', { name: 'Rollback' }) as HTMLButtonElement;
    await waitFor(() => expect(rb.disabled).toBe(false));
    fireEvent.click(rb);
    const status = await screen.findByTestId('operation');
    expect(sent.find((s) => s.op === 'RollbackRelease')!.variables).toEqual({ clusterID: 'cls_1', namespace: 'shop', name: 'shop', revision: 1 });
    // Once the rollback has finished the history is read again.
    await waitFor(() => expect(status.textContent).toContain('SUCCEEDED'));
    await waitFor(() => expect(sent.filter((s) => s.op === 'Release').length).toBe(2));

    const diff = await screen.findByTestId('values-diff');
    expect(sent.find((s) => s.op === 'ReleaseValuesDiff')!.variables).toMatchObject({ from: 1, to: 2 });
    expect(diff.querySelector('[data-kind="del"]')!.textContent).toContain('-replicaCount: 1');

    fireEvent.click(within(r1).getByRole('button', { name: 'Values & manifest' }));
    expect((await screen.findByTestId('revision-values')).textContent).toBe('rev: 1\n');
    expect(screen.getByTestId('revision-manifest').textContent).toContain('Deployment');
  });

  it('asks for no diff of a revision with itself', async () => {
    const sent = fakeServer({
      Release: release([rev(1, 'superseded', '0.1.0'), rev(2, 'deployed', '0.2.0')]),
      Project: projectAnswer(viewerCan('VIEWER', [])),
      ReleaseValuesDiff: () => ({ data: { release: { name: 'shop', valuesDiff: '' } } }),
    });
    render(<HelmRelease pid="prj_1" cid="cls_1" ns="shop" name="shop" />);
    fireEvent.change(await screen.findByLabelText('From revision'), { target: { value: '2' } });
    expect(await screen.findByText('Pick two different revisions.')).toBeTruthy();
    expect(screen.queryByTestId('values-diff')).toBeNull();
    expect(sent.filter((s) => s.op === 'ReleaseValuesDiff').every((s) => s.variables.from !== s.variables.to)).toBe(true);
  });

  it('keeps Rollback, Upgrade and Uninstall disabled for a viewer', async () => {
    fakeServer({
      Release: release([rev(1, 'superseded', '0.1.0'), rev(2, 'deployed', '0.2.0')]),
      Project: projectAnswer(viewerCan('VIEWER', [])),
      ReleaseValuesDiff: () => ({ data: { release: { name: 'shop', valuesDiff: '' } } }),
    });
    render(<HelmRelease pid="prj_1" cid="cls_1" ns="shop" name="shop" />);
    for (const name of ['Rollback', 'Upgrade…', 'Uninstall']) {
      const b = await screen.findByRole('button', { name });
      await waitFor(() => expect(b.getAttribute('title')).toBe('needs role developer or higher (you are viewer)'));
      expect((b as HTMLButtonElement).disabled).toBe(true);
    }
  });

  it('shows NOT_FOUND for a release with no revision', async () => {
    fakeServer({
      Release: () => ({ errors: [{ message: 'release shop/gone not found', extensions: { code: 'NOT_FOUND' } }] }),
      Project: projectAnswer(viewerCan('VIEWER', [])),
    });
    render(<HelmRelease pid="prj_1" cid="cls_1" ns="shop" name="gone" />);
    expect((await screen.findByRole('alert')).getAttribute('data-code')).toBe('NOT_FOUND');
  });
});
