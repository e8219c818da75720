package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"

	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// get fetches u (at most limit bytes), sending the credentials only to the
// repository's own host: a chart hosted elsewhere does not get them.
func (r *Repository) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(r.URL)
	if (r.Username != "" || r.Password != "") && base != nil && req.URL.Host == base.Host {
		req.SetBasicAuth(r.Username, r.Password)
	}
	resp, err := r.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, ErrUnauthorized
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", u, limit)
	}
	return b, nil
}

// index reads the repository's index.yaml.
func (r *Repository) index(ctx context.Context) (*repo.IndexFile, error) {
	b, err := r.get(ctx, r.URL+"/index.yaml", maxIndexBytes)
	if errors.Is(err, ErrNotFound) {
		err = errors.New("no index.yaml")
	}
	if err != nil {
		return nil, r.failure("index", err)
	}
	idx := &repo.IndexFile{}
	if err := yaml.Unmarshal(b, idx); err != nil || idx.APIVersion == "" {
		return nil, r.failure("index", errors.New("index.yaml is not a chart repository index"))
	}
	for name, vs := range idx.Entries {
		kept := vs[:0]
		for _, v := range vs {
			if v != nil && v.Metadata != nil {
				kept = append(kept, v)
			}
		}
		idx.Entries[name] = kept
	}
	idx.SortEntries()
	return idx, nil
}

func (r *Repository) httpCharts(ctx context.Context, search string) ([]Chart, error) {
	idx, err := r.index(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range idx.Entries {
		if contains(name, search) && len(idx.Entries[name]) > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []Chart
	for _, name := range names[:min(len(names), maxCharts)] {
		vs := idx.Entries[name]
		c := Chart{Name: name, Reference: r.Name + "/" + name, Description: vs[0].Description}
		for _, v := range vs[:min(len(vs), maxVersions)] {
			c.Versions = append(c.Versions, Version{Version: v.Version, AppVersion: v.AppVersion, Description: v.Description})
		}
		out = append(out, c)
	}
	return out, nil
}

func (r *Repository) httpPull(ctx context.Context, name, version string) ([]byte, string, error) {
	idx, err := r.index(ctx)
	if err != nil {
		return nil, "", err
	}
	cv, err := idx.Get(name, version)
	if errors.Is(err, repo.ErrNoChartName) {
		return nil, "", fmt.Errorf("chart %q: %w", name, ErrNotFound)
	}
	if err != nil || len(cv.URLs) == 0 {
		return nil, "", fmt.Errorf("chart %q version %q: %w", name, version, ErrNotFound)
	}
	u, err := repo.ResolveReferenceURL(r.URL, cv.URLs[0])
	if err != nil {
		return nil, "", fmt.Errorf("chart %q version %q: %w", name, cv.Version, ErrNotFound)
	}
	b, err := r.get(ctx, u, maxChartBytes)
	if err != nil {
		return nil, "", r.failure("pull", err)
	}
	return b, cv.Version, nil
}
