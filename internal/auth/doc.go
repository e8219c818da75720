// Package auth identifies callers and decides what they may do.
//
// A caller presents an API token ("bcs_" + 43 base64url characters, shown
// once at creation, stored only as its SHA-256). Authenticate turns it into a
// Viewer: the user, whether they are a platform admin, and their role in each
// project. Roles map to BCS's IAM actions (project_view, cluster_manage,
// templateset_instantiate, …); Viewer.Can answers for one action on one
// project.
//
// The console signs in once with a token and then carries a session
// cookie (Sessions): the session stands for its token, is stored only as a
// hash, and ends with the token, on expiry or on sign-out, on every replica.
//
// Reads are confined by ent privacy policies (package authz rules built on
// this package), so every query, edge, node(id), _entities lookup and
// subscription sees only the viewer's projects. Mutations check the action
// they need and answer FORBIDDEN naming it.
package auth
