package helm

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// getter is the Helm SDK's RESTClientGetter over a configuration BCS made
// (the cluster's sealed kubeconfig, confined to the address policy), so
// the SDK never reads a kubeconfig file or the environment.
type getter struct {
	cfg       *rest.Config
	namespace string
	disc      discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

// discovery is a cluster's cached discovery and REST mapper, shared by
// every action on it (the mapper rediscovers when it meets a kind it does
// not know, e.g. a CRD installed since).
func newDiscovery(cfg *rest.Config) (discovery.CachedDiscoveryInterface, meta.RESTMapper, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	disc := memory.NewMemCacheClient(dc)
	return disc, restmapper.NewDeferredDiscoveryRESTMapper(disc), nil
}

func (g *getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) { return g.disc, nil }

func (g *getter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

// ToRawKubeConfigLoader only carries the namespace: the SDK takes its
// default namespace from here.
func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(),
		&clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: g.namespace}})
}
