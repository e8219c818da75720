package helm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/testenv/registry"
	"github.com/bcs-io/bcs/orchestrators"
)

const shopDir = "testdata/charts/shop"

// ociRepo starts a registry holding shop 0.1.0 and 0.2.0.
func ociRepo(t *testing.T) (*registry.Registry, *Repository) {
	t.Helper()
	reg := registry.New(t, "bcs", "s3cret-pw")
	for _, v := range [][2]string{{"0.1.0", "1.0"}, {"0.2.0", "2.0"}} {
		if _, err := reg.PushChart(shopDir, "charts", v[0], v[1]); err != nil {
			t.Fatal(err)
		}
	}
	return reg, &Repository{Name: "main", Kind: KindOCI, URL: "oci://" + reg.Host + "/charts",
		Username: reg.Username, Password: reg.Password, PlainHTTP: true}
}

func TestOCIRepository(t *testing.T) {
	ctx := context.Background()
	_, r := ociRepo(t)
	if err := r.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	wrong := *r
	wrong.Password = "nope"
	if err := wrong.Check(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong password: %v, want ErrUnauthorized", err)
	}
	if _, err := wrong.Charts(ctx, ""); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("list with a wrong password: %v, want ErrUnauthorized", err)
	}

	charts, err := r.Charts(ctx, "sho")
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Name != "shop" || charts[0].Reference != r.URL+"/shop" || len(charts[0].Versions) != 2 {
		t.Fatalf("charts: %+v", charts)
	}
	if v := charts[0].Versions[0]; v.Version != "0.2.0" || v.AppVersion != "2.0" || !strings.Contains(v.Description, "small shop") {
		t.Fatalf("newest version: %+v", v)
	}
	if none, err := r.Charts(ctx, "nothing-like-it"); err != nil || len(none) != 0 {
		t.Fatalf("search that matches nothing: %v %+v", err, none)
	}

	archive, version, err := r.Pull(ctx, "shop", "")
	if err != nil || version != "0.2.0" {
		t.Fatalf("pull newest: %q %v", version, err)
	}
	ch, err := LoadChart(archive)
	if err != nil || ch.Metadata.Version != "0.2.0" || ch.Values["message"] != "hello" {
		t.Fatalf("loaded chart: %v %+v", err, ch.Metadata)
	}
	if _, v, err := r.Pull(ctx, "shop", "~0.1"); err != nil || v != "0.1.0" {
		t.Fatalf("pull by constraint: %q %v", v, err)
	}
	if _, _, err := r.Pull(ctx, "shop", "9.9.9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown version: %v, want ErrNotFound", err)
	}
	if _, _, err := r.Pull(ctx, "nosuchchart", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown chart: %v, want ErrNotFound", err)
	}
	if _, _, err := r.Pull(ctx, "../etc", ""); orchestrators.KindOf(err) != orchestrators.ErrBadInput {
		t.Fatalf("chart name with ..: %v", err)
	}
}

// A restricted repository dials nothing the address policy refuses, and
// says nothing about what listens there.
func TestRepositoryHeldToThePolicy(t *testing.T) {
	_, r := ociRepo(t)
	r.Policy = netpolicy.Default() // loopback refused
	for name, call := range map[string]func() error{
		"check": func() error { return r.Check(context.Background()) },
		"list":  func() error { _, err := r.Charts(context.Background(), ""); return err },
		"pull":  func() error { _, _, err := r.Pull(context.Background(), "shop", ""); return err },
	} {
		err := call()
		if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s on loopback under the default policy: %v", name, err)
		}
	}
	allowed, err := netpolicy.Parse([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	r.Policy = allowed
	if err := r.Check(context.Background()); err != nil {
		t.Fatalf("loopback allowed by the flags: %v", err)
	}
}

// A classic repository: an index.yaml and archives behind basic auth.
func TestHTTPRepository(t *testing.T) {
	ctx := context.Background()
	files := map[string][]byte{}
	idx := repo.NewIndexFile()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != "bcs" || p != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, ok := files[strings.TrimPrefix(req.URL.Path, "/charts/")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	for _, v := range []string{"0.1.0", "0.2.0"} {
		archive, err := registry.Package(shopDir, v, "")
		if err != nil {
			t.Fatal(err)
		}
		ch, err := LoadChart(archive)
		if err != nil {
			t.Fatal(err)
		}
		name := "shop-" + v + ".tgz"
		files[name] = archive
		sum := sha256.Sum256(archive)
		if err := idx.MustAdd(ch.Metadata, name, "", hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
	idx.SortEntries()
	files["index.yaml"], _ = yaml.Marshal(idx)

	kind, url, err := ParseURL(srv.URL + "/charts/")
	if err != nil || kind != KindHTTP {
		t.Fatalf("parse: %s %v", kind, err)
	}
	r := &Repository{Name: "classic", Kind: kind, URL: url, Username: "bcs", Password: "pw"}
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	charts, err := r.Charts(ctx, "")
	if err != nil || len(charts) != 1 || charts[0].Reference != "classic/shop" || charts[0].Versions[0].Version != "0.2.0" {
		t.Fatalf("charts: %v %+v", err, charts)
	}
	if _, v, err := r.Pull(ctx, "shop", "0.1.0"); err != nil || v != "0.1.0" {
		t.Fatalf("pull: %q %v", v, err)
	}
	if _, _, err := r.Pull(ctx, "shop", "3.0.0"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown version: %v", err)
	}
	wrong := *r
	wrong.Password = "x"
	if err := wrong.Check(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestParseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"oci://r.example.com/charts/":  "oci://r.example.com/charts",
		"oci://r.example.com:5000":     "oci://r.example.com:5000",
		"https://c.example.com/a/../b": "https://c.example.com/b",
	} {
		if _, got, err := ParseURL(raw); err != nil || got != want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "r.example.com/charts", "ftp://x/y", "oci://user:pw@r.example.com/c", "https://c.example.com/?q=1", "oci:///path"} {
		if _, _, err := ParseURL(bad); orchestrators.KindOf(err) != orchestrators.ErrBadInput {
			t.Errorf("ParseURL(%q) accepted: %v", bad, err)
		}
	}
}

func TestParseValuesNamesTheLine(t *testing.T) {
	_, err := ParseValues("replicaCount: 2\nimage: nginx\n  bad: indent: here\n")
	if orchestrators.KindOf(err) != orchestrators.ErrBadInput || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad values: %v", err)
	}
	if _, err := ParseValues("- a\n- b\n"); orchestrators.KindOf(err) != orchestrators.ErrBadInput {
		t.Fatalf("a list is not values: %v", err)
	}
	v, err := ParseValues("a:\n  b: 1\n")
	if err != nil || v["a"].(map[string]any)["b"] != float64(1) {
		t.Fatalf("good values: %v %v", v, err)
	}
}
