// Package helm runs Helm releases on BCS's clusters and reads charts from
// chart repositories, through the Helm SDK (helm.sh/helm/v4).
//
// Releases are stored where the helm CLI keeps them (Secrets in the
// release's namespace, Helm's default driver), so `helm list` and `helm
// history` show what BCS did and BCS shows what helm did. Charts come from
// a project's repositories only: an OCI registry path (oci://host/path) or
// a classic HTTP repository (index.yaml), reached with the repository's
// credentials over an HTTP client that dials within the cluster-address
// policy when the repository is restricted.
//
// The package checks no permission: resolvers authorize first. Its errors
// are *orchestrators.Error, so that Operations record a reason and a
// message, and BadInput ones are the user's to fix.
package helm
