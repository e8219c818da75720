import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { roleDenial } from './gate';
import { PodActions } from '../components/PodActions';

afterEach(cleanup);

describe('kubectl switches', () => {
  it('admits the minimum role and above', () => {
    expect(roleDenial('a terminal', 'DEVELOPER', 'DEVELOPER')).toBeNull();
    expect(roleDenial('a terminal', 'OWNER', 'MAINTAINER')).toBeNull();
    expect(roleDenial('downloading a kubeconfig', 'VIEWER', 'VIEWER')).toBeNull();
  });

  it('refuses below it, saying what is needed and what the viewer has', () => {
    expect(roleDenial('a terminal', 'VIEWER', 'DEVELOPER')).toBe('a terminal needs role developer or higher in this project (you are viewer)');
    expect(roleDenial('a terminal', 'MAINTAINER', 'OWNER')).toMatch(/needs role owner/);
    expect(roleDenial('a terminal', null, 'VIEWER')).toMatch(/not a member/);
  });

  it('waits for the settings, and lets platform admins through', () => {
    expect(roleDenial('a terminal', 'OWNER', undefined)).toBe('loading permissions');
    expect(roleDenial('a terminal', null, 'OWNER', true)).toBeNull();
  });
});

describe('PodActions', () => {
  it('links logs and the terminal when allowed', () => {
    render(<PodActions pid="p1" cid="c1" ns="default" pod="web-0" denied={null} />);
    expect(screen.getByText('Logs').getAttribute('href')).toBe('/projects/p1/clusters/c1/namespaces/default/pods/web-0/logs');
    expect(screen.getByText('Terminal').getAttribute('href')).toBe('/projects/p1/clusters/c1/namespaces/default/pods/web-0/terminal');
  });

  it('disables the terminal with the reason, keeps logs', () => {
    const why = roleDenial('a terminal', 'VIEWER', 'DEVELOPER');
    render(<PodActions pid="p1" cid="c1" ns="default" pod="web-0" denied={why} />);
    const b = screen.getByRole('button', { name: /Terminal/ });
    expect((b as HTMLButtonElement).disabled).toBe(true);
    expect(b.getAttribute('title')).toBe(why);
    expect(screen.getByText('Logs').getAttribute('href')).toContain('/logs');
  });
});
