package kubeproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime"
)

// request is what the proxy understands of a Kubernetes API path: enough
// for the audit log, metrics and the exec switch (a small subset of the API
// server's own RequestInfo).
type request struct {
	Verb        string // get, list, watch, create, update, patch, delete, deletecollection
	Group       string
	Resource    string
	Subresource string
	Namespace   string
	Name        string
}

// Subresources of a namespace itself, not a path to resources inside it.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

func parseRequest(r *http.Request, path string) request {
	var q request
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		q.Group = parts[1]
		parts = parts[3:]
	default:
		parts = nil // discovery, /version, /healthz …
	}
	// The deprecated /watch/ paths still open a watch on the API server.
	watchPath := len(parts) > 0 && parts[0] == "watch"
	if watchPath {
		parts = parts[1:]
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		q.Namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		}
	}
	if len(parts) > 0 {
		q.Resource = parts[0]
	}
	if len(parts) > 1 {
		q.Name = parts[1]
	}
	if len(parts) > 2 {
		q.Subresource = parts[2]
	}
	if q.Resource == "namespaces" {
		q.Namespace = ""
	}
	q.Verb = verb(r, q.Name != "")
	if watchPath && (q.Verb == "get" || q.Verb == "list") {
		q.Verb = "watch"
	}
	return q
}

func verb(r *http.Request, named bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if queryFlag(r, "watch") {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(r.Method)
}

// mutating is every request that may change the cluster.
func mutating(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// stream reports a pod's exec, attach or port-forward.
func (q request) stream() bool {
	return q.Group == "" && q.Resource == "pods" && q.Name != "" &&
		(q.Subresource == "exec" || q.Subresource == "attach" || q.Subresource == "portforward")
}

// long reports requests that may stay open: watches, followed logs and
// upgraded connections.
func (q request) long(r *http.Request) bool {
	if q.Verb == "watch" || r.Header.Get("Upgrade") != "" {
		return true
	}
	return q.Subresource == "log" && queryFlag(r, "follow")
}

// queryFlag reads a boolean query parameter as the API server does (watch=1,
// watch=True, even watch= are true): a spelling read differently here would
// open a stream that escapes the per-token cap, the time limits and the
// revocation watch.
func queryFlag(r *http.Request, key string) bool {
	vals, on := r.URL.Query()[key], false
	_ = runtime.Convert_Slice_string_To_bool(&vals, &on, nil) // never fails
	return on
}

// maxNamedBody bounds the body read for a created object's name (etcd's
// own object limit is 1.5 MiB).
const maxNamedBody = 3 << 20

// createdName reads the name of the object a create (POST without a name
// in the path) sends, for the audit log, and leaves the body for the
// cluster as it was. JSON and Kubernetes protobuf bodies are understood;
// others keep their name unknown.
func createdName(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	isProto := strings.HasPrefix(ct, "application/vnd.kubernetes.protobuf")
	if r.Body == nil || r.Body == http.NoBody || (!isProto && !strings.Contains(ct, "json")) {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNamedBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err != nil || len(body) > maxNamedBody {
		return ""
	}
	var name, generateName string
	if isProto {
		name, generateName = protoName(body)
	} else {
		var obj struct {
			Metadata struct{ Name, GenerateName string } `json:"metadata"`
		}
		_ = json.Unmarshal(body, &obj)
		name, generateName = obj.Metadata.Name, obj.Metadata.GenerateName
	}
	if name == "" && generateName != "" {
		return generateName + "*"
	}
	return name
}

// protoName reads metadata.name and generateName from a Kubernetes
// protobuf body: the "k8s\x00" magic, then runtime.Unknown whose field 2
// is the object, whose field 1 is ObjectMeta (every API type), whose
// fields 1 and 2 are the name and generateName.
func protoName(b []byte) (name, generateName string) {
	b, ok := bytes.CutPrefix(b, []byte("k8s\x00"))
	if !ok {
		return "", ""
	}
	meta := protoField(protoField(b, 2), 1)
	return string(protoField(meta, 1)), string(protoField(meta, 2))
}

// protoField is the first length-delimited field num of a message.
func protoField(b []byte, num protowire.Number) []byte {
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return nil
			}
			return v
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return nil
		}
		b = b[l:]
	}
	return nil
}
