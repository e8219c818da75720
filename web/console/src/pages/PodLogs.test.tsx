import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';

vi.mock('../api/session', () => ({ csrfToken: () => 'csrf-1', expire: vi.fn() }));
import PodLogs from './PodLogs';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('PodLogs', () => {
  it('follows the log with the CSRF header, and holds lines while paused', async () => {
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => { feed = c; } });
    const send = (s: string) => act(() => feed.enqueue(new TextEncoder().encode(s)));
    const fetch = vi.fn(async (url: string) => url.includes('/log?')
      ? new Response(body)
      : new Response(JSON.stringify({ spec: { containers: [{ name: 'app' }, { name: 'side' }] } })));
    vi.stubGlobal('fetch', fetch);
    render(<PodLogs pid="p1" cid="c1" ns="default" pod="web-0" />);
    await screen.findByText('Following');
    const [url, init] = fetch.mock.calls.find(([u]) => u.includes('/log?'))! as unknown as [string, RequestInit];
    expect(url).toBe('/clusters/c1/k8s/api/v1/namespaces/default/pods/web-0/log?follow=true&tailLines=500&container=app');
    expect((init.headers as Record<string, string>)['x-csrf-token']).toBe('csrf-1');
    const log = screen.getByTestId('log');

    await send('one\ntw');
    await send('o\n');
    await waitFor(() => expect(log.textContent).toBe('one\ntwo'));

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await send('three\n');
    await screen.findByText('Paused (1 new line held)');
    expect(log.textContent).toBe('one\ntwo');
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(log.textContent).toBe('one\ntwo\nthree'));
  });

  it('shows the proxy\'s refusal', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => url.includes('/log?')
      ? new Response(JSON.stringify({ kind: 'Status', message: 'pods "web-0" is forbidden' }), { status: 403 })
      : new Response(JSON.stringify({ spec: { containers: [{ name: 'app' }] } }))));
    render(<PodLogs pid="p1" cid="c1" ns="default" pod="web-0" />);
    expect((await screen.findByRole('alert')).textContent).toBe('pods "web-0" is forbidden');
  });
});
