package kubeproxy

import (
	"context"
	"net/http"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Kubeconfig is a kubeconfig for one cluster through BCS's proxy at base
// (BCS's public URL: scheme, host and any path prefix), with ca (PEM) as
// the certificate authority when BCS is served over TLS by a CA clients do
// not already trust, and token as the credential.
func Kubeconfig(base, clusterID, clusterName, user, token string, ca []byte) ([]byte, error) {
	name := "bcs-" + clusterName
	cfg := clientcmdapi.NewConfig()
	cl := clientcmdapi.NewCluster()
	cl.Server = strings.TrimSuffix(base, "/") + Prefix + clusterID + "/k8s"
	cl.CertificateAuthorityData = ca
	cfg.Clusters[name] = cl
	ai := clientcmdapi.NewAuthInfo()
	ai.Token = token
	cfg.AuthInfos["bcs:"+user] = ai
	ctx := clientcmdapi.NewContext()
	ctx.Cluster, ctx.AuthInfo = name, "bcs:"+user
	cfg.Contexts[name] = ctx
	cfg.CurrentContext = name
	return clientcmd.Write(*cfg)
}

type baseURLKey struct{}

// WithBaseURL remembers the scheme and host a request came in on, for a
// kubeconfig asked for without a configured public URL.
func WithBaseURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		ctx := context.WithValue(r.Context(), baseURLKey{}, scheme+"://"+r.Host)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// BaseURL is the URL WithBaseURL saw ("" outside such a request).
func BaseURL(ctx context.Context) string {
	s, _ := ctx.Value(baseURLKey{}).(string)
	return s
}
