// Package helm pins the helm CLI that the tests run beside BCS (to check
// that `helm list` and `helm history` see the releases BCS makes). It is a
// module of its own so that the CLI's pins stay out of BCS's go.mod;
// scripts/helm-bin.sh builds helm.sh/helm/v4/cmd/helm from it (go.mod's
// tool line) into $BCS_CACHE/helm/<version>-<hash>/helm.
package helm
