// The project's kubectl switches (Project.kubectlSettings) as the console
// applies them before a click: the proxy and the kubeconfig query decide,
// this only keeps a refused button disabled with its reason.
import type { Role } from '../components/Gate';

const rank: Record<Role, number> = { VIEWER: 1, DEVELOPER: 2, MAINTAINER: 3, OWNER: 4 };

/** Why a viewer with role (none: not a member; admin: a platform admin) may not act where min is needed, or null. */
export function roleDenial(what: string, role: Role | null | undefined, min: Role | null | undefined, admin = false): string | null {
  if (admin) return null;
  if (!min) return 'loading permissions';
  if (!role) return `${what} needs role ${min.toLowerCase()} or higher (you are not a member)`;
  return rank[role] >= rank[min] ? null : `${what} needs role ${min.toLowerCase()} or higher in this project (you are ${role.toLowerCase()})`;
}
