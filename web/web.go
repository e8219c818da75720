// Package web serves the BCS GraphiQL explorer from assets embedded in the
// binary, so the explorer works without any network access (no CDN).
//
// The assets are the UMD builds and CSS of the npm packages pinned in
// web/package.json; `make web` copies them into web/dist, which is embedded
// here. On a fresh clone dist holds only a placeholder, and the page then says
// to run `make web` instead of showing a broken explorer.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

//go:embed index.html.tmpl
var pageSource string

var page = template.Must(template.New("graphiql").Parse(pageSource))

// Options configures the explorer page.
type Options struct {
	// Title is the page title; default "BCS GraphiQL".
	Title string
	// Endpoint is the GraphQL HTTP endpoint; default "/query".
	Endpoint string
	// SubscriptionEndpoint is the websocket endpoint; default Endpoint. A path
	// gets ws:// or wss:// from the page's own location, so the same binary
	// works behind TLS-terminating proxies.
	SubscriptionEndpoint string
	// Assets replaces the embedded dist directory (tests inject an empty or
	// fake one); nil means the embedded assets.
	Assets fs.FS
}

// asset is one file from dist, hashed once so every response can carry a
// content hash: the ETag, the ?v= cache buster and the SRI integrity value.
// Its bytes are not kept: responses read them from dist, which for the
// embedded build is the binary's read-only data, never copied to the heap.
type asset struct {
	name, contentType string
	version           string // first 16 hex digits of the sha256
	integrity         string // "sha256-<base64>"
}

// assetFiles are the files `make web` puts in dist (see mk/web.mk), scripts in
// load order: GraphiQL's UMD reads the React globals, and the explorer plugin
// reads GraphiQL.React and GraphiQL.GraphQL. The page needs all of them; if one
// is missing the placeholder page is served.
var assetFiles = []string{
	"react.production.min.js",
	"react-dom.production.min.js",
	"graphiql.min.js",
	"graphiql.min.css",
	"plugin-explorer.umd.js",
	"plugin-explorer.css",
}

const assetPrefix = "/graphiql/assets/"

// Handler serves the explorer page at "/graphiql" and its assets under
// "/graphiql/assets/" ("/" belongs to the console). Other paths get 404.
func Handler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "BCS GraphiQL"
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "/query"
	}
	if opts.SubscriptionEndpoint == "" {
		opts.SubscriptionEndpoint = opts.Endpoint
	}
	fsys := opts.Assets
	if fsys == nil {
		sub, err := fs.Sub(dist, "dist")
		if err != nil {
			panic(err) // cannot happen: "dist" is a valid embedded path
		}
		fsys = sub
	}
	h := &handler{fsys: fsys}
	// Hashing the 3 MB of assets and rendering the page wait for the first
	// request: a replica that never serves GraphiQL never reads them.
	h.loaded = sync.OnceValue(func() loaded {
		l := loaded{assets: loadAssets(fsys)}
		l.page = render(opts, l.assets)
		return l
	})
	return h
}

func loadAssets(fsys fs.FS) map[string]*asset {
	assets := map[string]*asset{}
	for _, name := range assetFiles {
		sum, err := hashFile(fsys, name)
		if err != nil {
			return nil // not built: the page explains what to do
		}
		assets[name] = &asset{
			name:        name,
			contentType: contentType(name),
			version:     hex.EncodeToString(sum[:8]),
			integrity:   "sha256-" + base64.StdEncoding.EncodeToString(sum),
		}
	}
	return assets
}

// hashFile is name's sha256, read through a small buffer.
func hashFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// serveFile answers with name from fsys through http.ServeContent (304,
// Range, HEAD), reading it in place when the file can seek, as embedded
// and test files can.
func serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	f, err := fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			http.Error(w, "asset unreadable", http.StatusInternalServerError)
			return
		}
		rs = bytes.NewReader(data)
	}
	http.ServeContent(w, r, path.Base(name), time.Time{}, rs)
}

func contentType(name string) string {
	// Explicit, not mime.TypeByExtension: that one reads the host's
	// mime.types and could differ between machines.
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "application/octet-stream"
}

type handler struct {
	fsys   fs.FS
	loaded func() loaded
}

type loaded struct {
	assets map[string]*asset // nil when dist is not built
	page   []byte
}

func render(opts Options, assets map[string]*asset) []byte {
	type ref struct{ URL, Integrity string }
	data := struct {
		Options
		Built           bool
		Styles, Scripts []ref
	}{Options: opts, Built: assets != nil}
	if data.Built {
		// assetFiles order is the load order the UMD globals need.
		for _, name := range assetFiles {
			a := assets[name]
			r := ref{assetPrefix + name + "?v=" + a.version, a.integrity}
			if path.Ext(name) == ".css" {
				data.Styles = append(data.Styles, r)
			} else {
				data.Scripts = append(data.Scripts, r)
			}
		}
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		panic(err) // the template is fixed and tested
	}
	return buf.Bytes()
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	SecurityHeaders(w.Header())
	switch p := r.URL.Path; {
	case p == "/graphiql" || p == "/graphiql/":
		// The page's own script is inline; framing is what it must refuse.
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page embeds asset versions; never let a stale copy point at
		// assets that a newer binary no longer serves.
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(h.loaded().page)
	case strings.HasPrefix(p, assetPrefix):
		h.serveAsset(w, r, strings.TrimPrefix(p, assetPrefix))
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.loaded().assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		// The URL names this exact content, so it can be cached for good.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	serveFile(w, r, h.fsys, a.name)
}
