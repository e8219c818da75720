// Permission gating from the server's viewerCan: an action the viewer may not
// take stays visible but disabled, with the reason as its title and
// described-by text, instead of failing after a click.
import { useId, type ReactNode } from 'react';

export type Role = 'OWNER' | 'MAINTAINER' | 'DEVELOPER' | 'VIEWER';

/** The least role that grants each action (internal/auth/actions.go). */
export const neededRole: Record<string, Role> = {
  projectEdit: 'MAINTAINER',
  projectDelete: 'OWNER',
  memberManage: 'MAINTAINER',
  auditView: 'OWNER',
  clusterCreate: 'MAINTAINER',
  clusterManage: 'MAINTAINER',
  clusterDelete: 'OWNER',
  clusterUse: 'DEVELOPER',
  namespaceCreate: 'DEVELOPER',
  namespaceUpdate: 'DEVELOPER',
  namespaceDelete: 'MAINTAINER',
  namespaceUse: 'DEVELOPER',
  templateCreate: 'DEVELOPER',
  templateUpdate: 'DEVELOPER',
  templateDelete: 'MAINTAINER',
  templateInstantiate: 'DEVELOPER',
};

export interface Permissions {
  role?: Role | null;
  [action: string]: boolean | Role | null | undefined | string;
}

/** Why the action is refused, or null when it is allowed. */
export function denial(can: Permissions | null | undefined, action: string): string | null {
  if (!can) return 'loading permissions';
  if (can[action] === true) return null;
  const need = neededRole[action];
  const have = can.role ? `you are ${can.role.toLowerCase()}` : 'you are not a member';
  return need ? `needs role ${need.toLowerCase()} or higher (${have})` : `not allowed (${have})`;
}

interface GatedProps {
  can: Permissions | null | undefined;
  action: string;
  onClick?: () => void;
  type?: 'button' | 'submit';
  className?: string;
  disabled?: boolean;
  children: ReactNode;
}

export function Gated({ can, action, onClick, type = 'button', className, disabled, children }: GatedProps) {
  const reason = denial(can, action);
  const id = useId();
  return (
    <span className="gated">
      <button type={type} className={className} onClick={onClick} disabled={!!reason || disabled}
        title={reason ?? undefined} aria-describedby={reason ? id : undefined} data-action={action}>
        {children}
      </button>
      {reason && <span id={id} className="why">{reason}</span>}
    </span>
  );
}
