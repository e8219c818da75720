package kubeproxy

import (
	"context"
	"errors"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
)

// CSRFProtocolPrefix marks the websocket subprotocol entry that carries a
// console session's CSRF token (bcs.csrf.<token>): a browser can set no
// header on a websocket, only the subprotocols it offers. The entry is
// taken out before anything is forwarded, so neither the cluster nor the
// answer's Sec-WebSocket-Protocol ever sees it.
const CSRFProtocolPrefix = "bcs.csrf."

// SessionFunc authenticates a request that carries no Authorization
// header by the console's session cookie, under the same CSRF and origin
// rules as /query; csrf is the token offered as a websocket subprotocol
// ("" on plain HTTP, whose token is in auth.CSRFHeader). It answers the
// request's context (a sign-out ends it) and viewer, or a refusal's HTTP
// status and message; a nil viewer and status 0 mean no cookie came.
type SessionFunc func(r *http.Request, csrf string) (ctx context.Context, v *auth.Viewer, status int, msg string)

// takeCSRFProtocol removes the bcs.csrf.<token> entries from the offered
// subprotocols and answers the token of the last one.
func takeCSRFProtocol(h http.Header) string {
	offered := h.Values("Sec-WebSocket-Protocol")
	if len(offered) == 0 {
		return ""
	}
	csrf := ""
	var keep []string
	for _, line := range offered {
		for _, p := range strings.Split(line, ",") {
			p = strings.TrimSpace(p)
			if t, ok := strings.CutPrefix(p, CSRFProtocolPrefix); ok {
				csrf = t
				continue
			}
			if p != "" {
				keep = append(keep, p)
			}
		}
	}
	h.Del("Sec-WebSocket-Protocol")
	if len(keep) > 0 {
		h.Set("Sec-WebSocket-Protocol", strings.Join(keep, ", "))
	}
	return csrf
}

// authenticate finds the request's viewer by its bearer token or else its
// session cookie, or answers the refusal.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, clusterID string) (*http.Request, *auth.Viewer, bool) {
	csrf := takeCSRFProtocol(r.Header)
	secret, err := auth.ParseBearer(r.Header.Get("Authorization"))
	if err == nil && secret == "" && h.Session != nil {
		ctx, v, status, msg := h.Session(r, csrf)
		if status != 0 {
			writeStatus(w, status, reasonFor(status), msg)
			return r, nil, false
		}
		if v != nil {
			if v.Cluster != "" && string(v.Cluster) != clusterID {
				// A cluster's kubeconfig token signed in to the console
				// reaches that cluster only, as it does by itself.
				writeStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, auth.ErrInvalidToken.Error())
				return r, nil, false
			}
			return r.WithContext(ctx), v, true
		}
	}
	if err != nil || secret == "" {
		writeStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized,
			"send a BCS API token as \"Authorization: Bearer <token>\" (the kubeconfig query answers a ready kubeconfig)")
		return r, nil, false
	}
	v, err := h.Auth.AuthenticateCluster(r.Context(), secret, gid.ID(clusterID))
	if errors.Is(err, auth.ErrInvalidToken) {
		writeStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, auth.ErrInvalidToken.Error())
		return r, nil, false
	}
	if err != nil {
		h.internal(w, r, "authenticate", err)
		return r, nil, false
	}
	return r, v, true
}

func reasonFor(status int) metav1.StatusReason {
	switch status {
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests
	}
	return metav1.StatusReasonInternalError
}
