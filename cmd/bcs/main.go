// Command bcs is the one BCS binary: the GraphQL server, the cluster agent,
// the Mesos master simulator, token and migration tools.
//
// Each subcommand lives in its own file and registers itself on rootCmd from
// an init function, so that files can be added without touching this one.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "bcs",
	Short:         "BCS: one GraphQL API over many Kubernetes and Mesos clusters",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "bcs:", err)
		os.Exit(1)
	}
}
