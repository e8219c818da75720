import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Charts } from './Charts';
import { fakeServer, projectAnswer, viewerCan } from './HelmTestServer';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const repo = { id: 'crp_1', name: 'main', url: 'oci://reg.local/charts', kind: 'OCI', username: 'ci', plainHTTP: true, hasPassword: true, createdBy: 'ann', createdAt: '2026-01-01T00:00:00Z' };
const charts = [{ name: 'shop', reference: 'oci://reg.local/charts/shop', description: 'A shop', versions: [
  { version: '0.2.0', appVersion: '2.0', description: 'second' }, { version: '0.1.0', appVersion: '1.0', description: 'first' }] }];

describe('Charts page', () => {
  it('keeps repository changes disabled for a developer, with the reason', async () => {
    fakeServer({
      ChartRepositories: () => ({ data: { chartRepositories: [repo] } }),
      Project: projectAnswer(viewerCan('DEVELOPER', ['clusterUse'])),
      Charts: () => ({ data: { charts } }),
    });
    render(<Charts pid="prj_1" />);
    const remove = await screen.findByRole('button', { name: 'Remove' });
    await waitFor(() => expect(remove.getAttribute('title')).toBe('needs role maintainer or higher (you are developer)'));
    expect((remove as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Add' }) as HTMLButtonElement).disabled).toBe(true);
    // A stored password is announced, never shown.
    expect(screen.getByText('password set')).toBeTruthy();
  });

  it('lists a repository’s charts with versions and links Install to the chart reference', async () => {
    const sent = fakeServer({
      ChartRepositories: () => ({ data: { chartRepositories: [repo] } }),
      Project: projectAnswer(viewerCan('MAINTAINER', ['projectEdit', 'clusterUse'])),
      Charts: () => ({ data: { charts } }),
      ChartValues: () => ({ data: { charts: [{ name: 'shop', reference: charts[0].reference, versions: [{ version: '0.1.0', defaultValues: 'replicaCount: 1\n' }, { version: '0.2.0', defaultValues: 'replicaCount: 2\n' }] }] } }),
    });
    render(<Charts pid="prj_1" />);
    const table = await screen.findByRole('table', { name: 'versions of shop' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1].textContent).toContain('0.2.0');
    expect(rows[1].textContent).toContain('2.0');
    const install = within(rows[2]).getByRole('link', { name: 'Install…' }) as HTMLAnchorElement;
    expect(new URL(install.href).searchParams.get('chart')).toBe('oci://reg.local/charts/shop');
    expect(new URL(install.href).searchParams.get('version')).toBe('0.1.0');
    // Default values are fetched only when asked for, for the version asked.
    expect(sent.some((s) => s.op === 'ChartValues')).toBe(false);
    fireEvent.click(within(rows[2]).getByRole('button', { name: 'Default values' }));
    expect((await screen.findByTestId('default-values')).textContent).toBe('replicaCount: 1\n');
  });

  it('sends a new repository, shows a refused password on its field and clears it', async () => {
    const sent = fakeServer({
      ChartRepositories: () => ({ data: { chartRepositories: [] } }),
      Project: projectAnswer(viewerCan('MAINTAINER', ['projectEdit'])),
      AddChartRepository: () => ({ errors: [{ message: 'the chart repository refused the credentials', extensions: { code: 'BAD_USER_INPUT', field: 'password' } }] }),
    });
    render(<Charts pid="prj_1" />);
    const add = await screen.findByRole('button', { name: 'Add' });
    await waitFor(() => expect((add as HTMLButtonElement).disabled).toBe(false));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'main' } });
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: ' oci://reg.local/charts ' } });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ci' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong' } });
    fireEvent.click(add);
    expect((await screen.findByRole('alert')).textContent).toBe('the chart repository refused the credentials');
    const call = sent.find((s) => s.op === 'AddChartRepository')!;
    expect(call.variables.input).toEqual({ projectID: 'prj_1', name: 'main', url: 'oci://reg.local/charts', username: 'ci', password: 'wrong', plainHTTP: false });
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('main');
  });
});
