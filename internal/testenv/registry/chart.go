package registry

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	helmregistry "helm.sh/helm/v4/pkg/registry"
)

// Package packages the chart in dir as version (and appVersion, if not
// empty) and answers the archive (.tgz) bytes, as `helm package` would.
func Package(dir, version, appVersion string) ([]byte, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	ch.Metadata.Version = version
	if appVersion != "" {
		ch.Metadata.AppVersion = appVersion
	}
	out, err := os.MkdirTemp("", "bcs-chart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	file, err := chartutil.Save(ch, out)
	if err != nil {
		return nil, fmt.Errorf("package chart: %w", err)
	}
	return os.ReadFile(file)
}

// PushChart packages the chart in dir as version and pushes it with the
// Helm SDK's registry client to oci://Host/path/<chart name>:version,
// answering that reference (without the tag).
func (r *Registry) PushChart(dir, path, version, appVersion string) (string, error) {
	archive, err := Package(dir, version, appVersion)
	if err != nil {
		return "", err
	}
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return "", err
	}
	// Its own credentials file: the test machine's docker or helm logins
	// play no part.
	creds := filepath.Join(os.TempDir(), fmt.Sprintf("bcs-registry-%d.json", os.Getpid()))
	client, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(),
		helmregistry.ClientOptBasicAuth(r.Username, r.Password), helmregistry.ClientOptCredentialsFile(creds))
	if err != nil {
		return "", err
	}
	ref := fmt.Sprintf("%s/%s/%s", r.Host, path, ch.Name())
	if _, err := client.Push(archive, ref+":"+version); err != nil {
		return "", fmt.Errorf("push %s:%s: %w", ref, version, err)
	}
	return "oci://" + ref, nil
}
