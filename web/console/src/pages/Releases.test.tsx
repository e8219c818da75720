import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Releases } from './Releases';
import { clustersAnswer, fakeServer } from './HelmTestServer';

beforeEach(() => history.replaceState(null, '', '/projects/prj_1/releases'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('releases list', () => {
  it('lists the first cluster’s releases, links each to its page, and keeps the namespace filter in the URL', async () => {
    const sent = fakeServer({
      Clusters: clustersAnswer,
      Releases: (v) => ({ data: { releases: v.namespace === 'empty' ? [] : [
        { name: 'shop', namespace: 'shop', revision: 3, status: 'deployed', chart: 'shop', chartVersion: '0.2.0', appVersion: '2.0', updated: null, description: '' }] } }),
    });
    render(<Releases pid="prj_1" />);
    const link = await screen.findByRole('link', { name: 'shop' });
    expect(link.getAttribute('href')).toBe('/projects/prj_1/releases/cls_1/shop/shop');
    expect(sent.find((s) => s.op === 'Releases')!.variables).toEqual({ clusterID: 'cls_1' });

    fireEvent.change(screen.getByLabelText('Namespace'), { target: { value: ' empty ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    expect(location.search).toBe('?cluster=cls_1&namespace=empty');
    expect(await screen.findByText('No releases in empty.')).toBeTruthy();
    await waitFor(() => expect(sent.filter((s) => s.op === 'Releases').at(-1)!.variables).toEqual({ clusterID: 'cls_1', namespace: 'empty' }));
  });
});
