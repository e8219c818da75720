// Command etcd runs the upstream etcd server. It lives in its own module
// because etcd's pins differ from the ones k8s.io/kubernetes selects.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
