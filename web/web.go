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
	"io/fs"
	"net/http"
	"path"
	"strings"
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

// asset is one file from dist, loaded once so every response can carry a
// content hash: the ETag, the ?v= cache buster and the SRI integrity value.
type asset struct {
	name, contentType string
	data              []byte
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
	h := &handler{assets: loadAssets(fsys)}
	h.page = h.render(opts)
	return h
}

func loadAssets(fsys fs.FS) map[string]*asset {
	assets := map[string]*asset{}
	for _, name := range assetFiles {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil // not built: the page explains what to do
		}
		sum := sha256.Sum256(data)
		assets[name] = &asset{
			name:        name,
			contentType: contentType(name),
			data:        data,
			version:     hex.EncodeToString(sum[:8]),
			integrity:   "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
		}
	}
	return assets
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
	assets map[string]*asset // nil when dist is not built
	page   []byte
}

func (h *handler) render(opts Options) []byte {
	type ref struct{ URL, Integrity string }
	data := struct {
		Options
		Built           bool
		Styles, Scripts []ref
	}{Options: opts, Built: h.assets != nil}
	if data.Built {
		// assetFiles order is the load order the UMD globals need.
		for _, name := range assetFiles {
			a := h.assets[name]
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
		_, _ = w.Write(h.page)
	case strings.HasPrefix(p, assetPrefix):
		h.serveAsset(w, r, strings.TrimPrefix(p, assetPrefix))
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.assets[name]
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
	// ServeContent answers If-None-Match with 304 and handles Range and HEAD.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}
