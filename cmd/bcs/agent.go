package main

import (
	"errors"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bcs-io/bcs/internal/agent"
)

func init() { rootCmd.AddCommand(newAgentCmd()) }

func newAgentCmd() *cobra.Command {
	var (
		cfg        agent.Config
		kubeconfig string
		logs       logFlags
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Register a Kubernetes cluster with BCS and keep reporting its credentials",
		Long: `Run next to or inside a cluster. The first report presents the one-time token
from createRegisterToken; later ones an agent key BCS hands back. Every
--interval the agent reports the API server's address, CA and a short-lived
service-account token (kube-system/bcs-agent, cluster-admin) that it manages.
Without --kubeconfig it uses the in-cluster credentials.

It also keeps an outbound websocket tunnel to BCS, so that BCS reaches a
cluster behind NAT: only outbound HTTPS to --server is needed. Through it the
agent connects BCS to its own API server and to nothing else.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Log = logs.logger()
			if cfg.Server == "" || cfg.Token == "" {
				return errors.New("--server and --token are required")
			}
			var err error
			if kubeconfig != "" {
				cfg.Rest, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
			} else {
				cfg.Rest, err = rest.InClusterConfig()
			}
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return agent.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Server, "server", envOr("BCS_SERVER", ""), "BCS base URL (BCS_SERVER)")
	f.StringVar(&cfg.Token, "token", envOr("BCS_AGENT_TOKEN", ""), "one-time register token (BCS_AGENT_TOKEN)")
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig to use instead of in-cluster credentials")
	f.DurationVar(&cfg.Interval, "interval", 60*time.Second, "how often to report")
	f.StringVar(&cfg.Namespace, "namespace", "kube-system", "namespace of the bcs-agent service account")
	f.StringVar(&cfg.Advertise, "advertise-api-server", "", "API server URL reported to BCS (default: the kubeconfig's or in-cluster server)")
	f.BoolVar(&cfg.NoTunnel, "no-tunnel", false, "do not keep a tunnel to BCS (BCS must reach the API server itself)")
	logs.register(cmd)
	return cmd
}
