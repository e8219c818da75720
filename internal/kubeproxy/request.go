package kubeproxy

import (
	"net/http"
	"strings"
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
	return q
}

func verb(r *http.Request, named bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if v := r.URL.Query().Get("watch"); v == "true" || v == "1" {
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
	return q.Subresource == "log" && r.URL.Query().Get("follow") == "true"
}
