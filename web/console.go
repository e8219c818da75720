package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// The console (web/console, React + Vite) builds into console/dist:
// index.html and content-hashed files under assets/. A fresh clone holds
// only dist/.keep, and the console then answers with a page saying how to
// build it.
//
//go:embed all:console/dist
var consoleDist embed.FS

// ConsoleOptions configures the console handler.
type ConsoleOptions struct {
	// Assets replaces the embedded console/dist (tests inject their own);
	// nil means the embedded build.
	Assets fs.FS
	// Reserved are path prefixes that belong to the API ("/auth/",
	// "/agent/" …): unknown paths under them get 404, not the console, so
	// a mistyped API call never answers 200 with HTML.
	Reserved []string
}

// consoleAssetsPrefix holds Vite's hashed output: a name there names one
// content for good.
const consoleAssetsPrefix = "/assets/"

// Console serves the single-page console: /assets/* with year-long
// immutable caching and precompressed bodies, other files of dist as they
// are, and index.html for "/" and every other path (the console's deep
// links, routed in the browser).
func Console(opts ConsoleOptions) http.Handler {
	fsys := opts.Assets
	if fsys == nil {
		sub, err := fs.Sub(consoleDist, "console/dist")
		if err != nil {
			panic(err) // cannot happen: the path is embedded
		}
		fsys = sub
	}
	// Only names are read here: each file is hashed (its ETag) and, for
	// gzip, compressed on first demand, and read in place from fsys when
	// sent, so the console's megabytes stay in the binary's read-only data
	// until a browser asks, and never in the heap.
	h := &console{files: map[string]*consoleFile{}, reserved: opts.Reserved}
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(name), ".") {
			return nil
		}
		h.files["/"+name] = &consoleFile{fsys: fsys, name: name, contentType: consoleType(name)}
		return nil
	})
	// Precompressed siblings from the build (name.gz, name.br) become the
	// encoded bodies of their file rather than files of their own.
	for name, f := range h.files {
		for ext, enc := range map[string]string{".gz": "gzip", ".br": "br"} {
			if orig, ok := h.files[strings.TrimSuffix(name, ext)]; ok && strings.HasSuffix(name, ext) {
				orig.setPrecompressed(enc, f.name)
				delete(h.files, name)
			}
		}
	}
	idx, ok := h.files["/index.html"]
	delete(h.files, "/index.html")
	h.index = sync.OnceValue(func() []byte {
		if ok {
			if b, err := fs.ReadFile(fsys, idx.name); err == nil {
				return b
			}
		}
		return []byte(placeholder)
	})
	return h
}

const placeholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BCS console</title></head>
<body><main><h1>The BCS console is not built</h1>
<p>Run <code>make console</code> (or <code>make run</code>) and rebuild <code>bin/bcs</code>.
The API is at <code>/query</code> and GraphiQL at <a href="/graphiql">/graphiql</a>.</p></main></body></html>
`

type console struct {
	files    map[string]*consoleFile // by URL path
	index    func() []byte
	reserved []string
}

type consoleFile struct {
	fsys              fs.FS
	name, contentType string // name in fsys

	mu            sync.Mutex
	etag          string            // of the plain content, made on first demand
	precompressed map[string]string // "gzip", "br" → the build's sibling in fsys
	gzip          []byte            // made once on first demand when the build shipped none
	gzipped       bool              // gzip was tried
}

func (f *consoleFile) setPrecompressed(enc, name string) {
	if f.precompressed == nil {
		f.precompressed = map[string]string{}
	}
	f.precompressed[enc] = name
	if enc == "gzip" {
		f.gzipped = true
	}
}

// body picks the smallest representation the client accepts: its
// encoding, and either bytes made here or the name of the file in fsys
// that holds it. It also returns the plain content's ETag.
func (f *consoleFile) body(acceptEncoding string) (enc string, made []byte, file, etag string) {
	accepted := parseAcceptEncoding(acceptEncoding)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.etag == "" {
		if sum, err := hashFile(f.fsys, f.name); err == nil {
			f.etag = hex.EncodeToString(sum[:8])
		}
	}
	if accepted["gzip"] && !f.gzipped && compressible(f.contentType) {
		f.gzipped = true
		f.gzip = gzipFile(f.fsys, f.name)
	}
	if accepted["br"] && f.precompressed["br"] != "" {
		return "br", nil, f.precompressed["br"], f.etag
	}
	if accepted["gzip"] && f.precompressed["gzip"] != "" {
		return "gzip", nil, f.precompressed["gzip"], f.etag
	}
	if accepted["gzip"] && f.gzip != nil {
		return "gzip", f.gzip, "", f.etag
	}
	return "", nil, f.name, f.etag
}

// gzipFile compresses name from fsys, or returns nil when that does not
// make it smaller (or it cannot be read).
func gzipFile(fsys fs.FS, name string) []byte {
	src, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer src.Close()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	n, err := io.Copy(zw, src)
	if err != nil || zw.Close() != nil || int64(buf.Len()) >= n {
		return nil
	}
	return buf.Bytes()
}

// parseAcceptEncoding returns the codings a client accepts (q > 0).
func parseAcceptEncoding(h string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		out[name] = !(strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q="), "0.") == "")
	}
	return out
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "javascript") ||
		strings.Contains(contentType, "json") || strings.Contains(contentType, "svg") || strings.Contains(contentType, "wasm")
}

// consoleType maps the extensions Vite emits; explicit rather than
// mime.TypeByExtension, which reads the host's mime.types.
func consoleType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".wasm":
		return "application/wasm"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func (h *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	SecurityHeaders(w.Header())
	p := r.URL.Path
	if f, ok := h.files[p]; ok {
		if strings.HasPrefix(p, consoleAssetsPrefix) {
			// Vite names these by content: a new build has new names.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		h.serveFile(w, r, f)
		return
	}
	if strings.HasPrefix(p, consoleAssetsPrefix) || strings.Contains(path.Base(p), ".") || h.isReserved(p) {
		// A missing chunk or file must fail as such, not turn into HTML
		// the browser then refuses as a script.
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// index.html names the current build's assets: always revalidate.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", consoleCSP(r.Host))
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index()))
}

func (h *console) isReserved(p string) bool {
	for _, prefix := range h.reserved {
		if strings.HasPrefix(p, prefix) || p == strings.TrimSuffix(prefix, "/") {
			return true
		}
	}
	return false
}

func (h *console) serveFile(w http.ResponseWriter, r *http.Request, f *consoleFile) {
	enc, made, file, etag := f.body(r.Header.Get("Accept-Encoding"))
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Add("Vary", "Accept-Encoding")
	if enc != "" {
		w.Header().Set("Content-Encoding", enc)
		etag += "-" + enc
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	if made != nil {
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(made))
		return
	}
	serveFile(w, r, f.fsys, file)
}

// SecurityHeaders are set on every page and asset BCS serves to a browser.
func SecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// consoleCSP allows the console's own scripts and nothing else: no inline
// or remote script, no eval, no framing, and connections only back to this
// origin (ws: and wss: spelled out, which older browsers do not take from
// 'self'). Styles may be inline: CodeMirror writes its theme into <style>
// elements at run time; style injection cannot run code.
func consoleCSP(host string) string {
	connect := "'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"font-src 'self'; connect-src " + connect + "; worker-src 'self'; manifest-src 'self'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// validHost admits host[:port] spellings only, so a forged Host header
// cannot add sources to the policy.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-:[]", c):
		default:
			return false
		}
	}
	return true
}
