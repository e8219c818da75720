// Command kubectl is the upstream kubectl, unchanged, built from
// k8s.io/kubectl at the test control plane's version for BCS's proxy tests
// (scripts/kubectl-bin.sh).
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
