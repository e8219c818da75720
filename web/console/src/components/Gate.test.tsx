import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { Gated, denial, type Permissions } from './Gate';

afterEach(cleanup);

const viewer: Permissions = { role: 'VIEWER', clusterUse: false, memberManage: false, projectEdit: false };
const developer: Permissions = { role: 'DEVELOPER', clusterUse: true, memberManage: false };

describe('permission gating', () => {
  it('disables an action the viewer may not take and says which role it needs', () => {
    const click = vi.fn();
    render(<Gated can={viewer} action="clusterUse" onClick={click}>Scale</Gated>);
    const b = screen.getByRole('button', { name: 'Scale' }) as HTMLButtonElement;
    expect(b.disabled).toBe(true);
    expect(b.title).toBe('needs role developer or higher (you are viewer)');
    expect(b.getAttribute('aria-describedby')).toBeTruthy();
    fireEvent.click(b);
    expect(click).not.toHaveBeenCalled();
  });

  it('enables an allowed action', () => {
    const click = vi.fn();
    render(<Gated can={developer} action="clusterUse" onClick={click}>Scale</Gated>);
    const b = screen.getByRole('button', { name: 'Scale' }) as HTMLButtonElement;
    expect(b.disabled).toBe(false);
    fireEvent.click(b);
    expect(click).toHaveBeenCalledOnce();
  });

  it('follows the server, not the role: a permission the server withholds stays disabled', () => {
    expect(denial({ role: 'OWNER', clusterDelete: false }, 'clusterDelete')).toMatch(/needs role owner/);
    expect(denial({ role: null, clusterUse: true }, 'clusterUse')).toBeNull();
    expect(denial({ role: null, memberManage: false }, 'memberManage')).toMatch(/not a member/);
  });

  it('keeps actions disabled while permissions load', () => {
    render(<Gated can={undefined} action="clusterUse">Apply</Gated>);
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
