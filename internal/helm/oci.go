package helm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	helmregistry "helm.sh/helm/v4/pkg/registry"
)

// ociRegistry is the registry of an oci://host/path repository, with the
// path (no leading slash) under which its charts live.
func (r *Repository) ociRegistry() (*remote.Registry, string, error) {
	rest := strings.TrimPrefix(r.URL, "oci://")
	host, prefix, _ := strings.Cut(rest, "/")
	reg, err := remote.NewRegistry(host)
	if err != nil {
		return nil, "", fmt.Errorf("registry %s: %w", host, err)
	}
	reg.PlainHTTP = r.PlainHTTP
	client := &auth.Client{Client: r.httpClient(), Cache: auth.NewCache()}
	if r.Username != "" || r.Password != "" {
		client.Credential = auth.StaticCredential(host, auth.Credential{Username: r.Username, Password: r.Password})
	}
	reg.Client = client
	return reg, prefix, nil
}

// ociError turns a registry's answer into ErrUnauthorized or ErrNotFound.
func ociError(err error) error {
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return ErrUnauthorized
		case http.StatusNotFound:
			return ErrNotFound
		}
	}
	if errors.Is(err, errdef.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

func (r *Repository) ociCheck(ctx context.Context) error {
	reg, _, err := r.ociRegistry()
	if err != nil {
		return r.failure("check", err)
	}
	return r.failure("check", ociError(reg.Ping(ctx)))
}

func (r *Repository) ociRepo(ctx context.Context, name string) (registry.Repository, error) {
	reg, prefix, err := r.ociRegistry()
	if err != nil {
		return nil, err
	}
	full := name
	if prefix != "" {
		full = prefix + "/" + name
	}
	return reg.Repository(ctx, full)
}

// ociTags are a chart's versions, newest first; OCI tags spell a
// version's + as _.
func (r *Repository) ociTags(ctx context.Context, repo registry.Repository) ([]string, error) {
	tags, err := registry.Tags(ctx, repo)
	if err != nil {
		return nil, ociError(err)
	}
	var versions []*semver.Version
	for _, t := range tags {
		if v, err := semver.NewVersion(strings.ReplaceAll(t, "_", "+")); err == nil {
			versions = append(versions, v)
		}
	}
	sort.Sort(sort.Reverse(semver.Collection(versions)))
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v.Original()
	}
	return out, nil
}

// ociManifest fetches a version's manifest.
func ociManifest(ctx context.Context, repo registry.Repository, version string) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	desc, rc, err := repo.FetchReference(ctx, strings.ReplaceAll(version, "+", "_"))
	if err != nil {
		return m, ociError(err)
	}
	defer rc.Close()
	if desc.Size > maxMetaBytes {
		return m, fmt.Errorf("manifest of %d bytes", desc.Size)
	}
	b, err := content.ReadAll(rc, desc)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if m.Config.MediaType != helmregistry.ConfigMediaType {
		return m, fmt.Errorf("%w: not a Helm chart (config %s)", ErrNotFound, m.Config.MediaType)
	}
	return m, nil
}

func fetchBlob(ctx context.Context, repo registry.Repository, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	if desc.Size > limit {
		return nil, fmt.Errorf("blob of %d bytes is over the limit of %d", desc.Size, limit)
	}
	b, err := content.FetchAll(ctx, repo, desc)
	return b, ociError(err)
}

type chartMeta struct {
	Name, Version, AppVersion, Description string
}

func (r *Repository) ociCharts(ctx context.Context, search string) ([]Chart, error) {
	reg, prefix, err := r.ociRegistry()
	if err != nil {
		return nil, r.failure("list", err)
	}
	var names []string
	under := prefix
	if under != "" {
		under += "/"
	}
	err = reg.Repositories(ctx, "", func(repos []string) error {
		for _, full := range repos {
			name, ok := strings.CutPrefix(full, under)
			if ok && name != "" && contains(name, search) && len(names) < maxCharts {
				names = append(names, name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, r.failure("list", ociError(err))
	}
	sort.Strings(names)
	var out []Chart
	for _, name := range names {
		repo, err := reg.Repository(ctx, under+name)
		if err != nil {
			continue
		}
		tags, err := r.ociTags(ctx, repo)
		if err != nil {
			return nil, r.failure("list", err)
		}
		c := Chart{Name: name, Reference: r.URL + "/" + name}
		for _, tag := range tags[:min(len(tags), maxVersions)] {
			m, err := ociManifest(ctx, repo, tag)
			if errors.Is(err, ErrNotFound) {
				continue // an image, not a chart
			}
			if err != nil {
				return nil, r.failure("list", err)
			}
			b, err := fetchBlob(ctx, repo, m.Config, maxMetaBytes)
			if err != nil {
				return nil, r.failure("list", err)
			}
			var meta chartMeta
			if err := json.Unmarshal(b, &meta); err != nil {
				continue
			}
			c.Versions = append(c.Versions, Version{Version: tag, AppVersion: meta.AppVersion, Description: meta.Description})
			if c.Description == "" {
				c.Description = meta.Description
			}
		}
		if len(c.Versions) > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

func (r *Repository) ociPull(ctx context.Context, name, version string) ([]byte, string, error) {
	repo, err := r.ociRepo(ctx, name)
	if err != nil {
		return nil, "", r.failure("pull", err)
	}
	tags, err := r.ociTags(ctx, repo)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, "", fmt.Errorf("chart %q: %w", name, ErrNotFound)
		}
		return nil, "", r.failure("pull", err)
	}
	if len(tags) == 0 {
		return nil, "", fmt.Errorf("chart %q: %w", name, ErrNotFound)
	}
	tag, err := helmregistry.GetTagMatchingVersionOrConstraint(tags, version)
	if err != nil {
		return nil, "", fmt.Errorf("chart %q version %q: %w", name, version, ErrNotFound)
	}
	m, err := ociManifest(ctx, repo, tag)
	if err != nil {
		return nil, "", r.failure("pull", err)
	}
	for _, l := range m.Layers {
		if l.MediaType == helmregistry.ChartLayerMediaType || l.MediaType == helmregistry.LegacyChartLayerMediaType {
			b, err := fetchBlob(ctx, repo, l, maxChartBytes)
			return b, tag, r.failure("pull", err)
		}
	}
	return nil, "", fmt.Errorf("chart %q version %q has no chart layer: %w", name, tag, ErrNotFound)
}
