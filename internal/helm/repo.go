package helm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/orchestrators"
)

// Kinds of repository.
const (
	KindOCI  = "OCI"
	KindHTTP = "HTTP"
)

// Limits on what a repository may make BCS read.
const (
	maxChartBytes = 16 << 20
	maxIndexBytes = 32 << 20
	maxMetaBytes  = 1 << 20
	// maxCharts and maxVersions bound a listing: one request per chart and
	// per version shown.
	maxCharts   = 200
	maxVersions = 50
	dialTimeout = 10 * time.Second
	callTimeout = 60 * time.Second
)

// Errors the callers map onto their own.
var (
	// ErrUnauthorized: the repository refused the credentials.
	ErrUnauthorized = errors.New("the repository refused the credentials")
	// ErrNotFound: no such chart or version in the repository.
	ErrNotFound = errors.New("not found")
	// ErrUnreachable: the repository could not be reached (or answered
	// as no chart repository does). Deliberately vague for restricted
	// repositories, as for clusters: what answered where stays here.
	ErrUnreachable = errors.New("the repository could not be reached or did not answer as a chart repository")
)

// Repository is a chart repository with its opened credentials.
type Repository struct {
	ID        string
	Name      string
	Kind      string // KindOCI or KindHTTP
	URL       string // oci://host/path or http(s)://host/path
	Username  string
	Password  string
	PlainHTTP bool
	// Policy confines every dial (nil: any address, for admins' repositories).
	Policy *netpolicy.Policy
}

// ParseURL checks a repository URL and tells its kind: oci://host[/path]
// is an OCI registry path, http(s)://… a classic repository. No userinfo,
// query or fragment: credentials go in their own, sealed, fields.
func ParseURL(raw string) (kind, normalized string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", "", orchestrators.BadInput("", "the URL must look like oci://registry.example.com/charts or https://charts.example.com")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", orchestrators.BadInput("", "the URL must have no credentials, query or fragment: give the username and password separately")
	}
	if h := u.Hostname(); h == "" || strings.ContainsAny(h, " \t") {
		return "", "", orchestrators.BadInput("", "the URL has no host")
	}
	p := strings.TrimSuffix(path.Clean("/"+u.Path), "/")
	switch u.Scheme {
	case "oci":
		return KindOCI, "oci://" + u.Host + p, nil
	case "http", "https":
		return KindHTTP, u.Scheme + "://" + u.Host + p, nil
	}
	return "", "", orchestrators.BadInput("", "the URL scheme must be oci, https or http")
}

// httpClient dials within the repository's policy. Proxies would connect
// on BCS's behalf unchecked, so a restricted repository uses none.
func (r *Repository) httpClient() *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	d := r.Policy.Dialer(&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second})
	base.DialContext = d.DialContext
	if r.Policy != nil {
		base.Proxy = nil
	}
	base.ResponseHeaderTimeout = callTimeout
	return &http.Client{Transport: base, Timeout: 2 * callTimeout,
		// A redirect is dialled through the same checked transport; a
		// chain of them is cut short.
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		}}
}

// Check reaches the repository with its credentials: what adding one
// verifies before it is stored.
func (r *Repository) Check(ctx context.Context) error {
	if r.Kind == KindOCI {
		return r.ociCheck(ctx)
	}
	_, err := r.index(ctx)
	return err
}

// Chart is a chart as a repository lists it.
type Chart struct {
	Name        string
	Reference   string // what install takes: oci://… or <repository>/<name>
	Description string
	Versions    []Version
}

// Version is one version of a chart.
type Version struct {
	Version, AppVersion, Description string
}

// Charts lists the repository's charts whose names contain search, with
// their versions, newest first.
func (r *Repository) Charts(ctx context.Context, search string) ([]Chart, error) {
	if r.Kind == KindOCI {
		return r.ociCharts(ctx, search)
	}
	return r.httpCharts(ctx, search)
}

// Pull fetches a chart archive (a .tgz) by name and version ("" for the
// newest stable one) and answers it with the version found.
func (r *Repository) Pull(ctx context.Context, name, version string) ([]byte, string, error) {
	if err := validChartName(name); err != nil {
		return nil, "", err
	}
	if r.Kind == KindOCI {
		return r.ociPull(ctx, name, version)
	}
	return r.httpPull(ctx, name, version)
}

func validChartName(name string) error {
	if name == "" || len(name) > 255 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
		return orchestrators.BadInput("", "%q is not a chart name", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/' || c >= 'A' && c <= 'Z') {
			return orchestrators.BadInput("", "%q is not a chart name", name)
		}
	}
	return nil
}

// failure classifies an error of talking to the repository.
func (r *Repository) failure(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrNotFound), orchestrators.KindOf(err) != "":
		return err
	case errors.Is(err, context.Canceled):
		return err
	}
	if r.Policy != nil || errors.Is(err, netpolicy.ErrForbidden) {
		return fmt.Errorf("%s: %w", what, ErrUnreachable)
	}
	return fmt.Errorf("%s: %w: %w", what, ErrUnreachable, err)
}

func contains(name, search string) bool {
	return search == "" || strings.Contains(strings.ToLower(name), strings.ToLower(search))
}
