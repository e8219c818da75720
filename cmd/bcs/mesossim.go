package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

func init() { rootCmd.AddCommand(newMesosSimCmd()) }

func newMesosSimCmd() *cobra.Command {
	var (
		cfg   sim.Config
		ports string
		attrs string
		logs  logFlags
	)
	cmd := &cobra.Command{
		Use:   "mesos-sim",
		Short: "Run a simulated Mesos master with simulated agents",
		Long: `mesos-sim serves the Mesos v1 scheduler API (/api/v1/scheduler) and operator
API (/api/v1) over simulated agents, plus a control API (/sim/...) to inject
failures. With --zk it registers in ZooKeeper as a master does, so that
frameworks discover it there. It runs until SIGTERM or interrupt.

Agent attributes: "rack=r1|r2|r3;zone=a|b" gives agent i the value i mod n.`,
		Example: `  bcs mesos-sim --listen 127.0.0.1:5050 --agents 3 --agent-cpus 4 --agent-mem 8192 --zk zk://127.0.0.1:2181/mesos`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Logger = logs.logger()
			var err error
			if cfg.Agent.Ports, err = sim.ParsePorts(ports); err != nil {
				return fmt.Errorf("--agent-ports: %w", err)
			}
			if cfg.Agent.Attributes, err = sim.ParseAttributes(attrs); err != nil {
				return fmt.Errorf("--agent-attributes: %w", err)
			}
			return runMesosSim(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:5050", "address to serve on")
	f.StringVar(&cfg.ZK, "zk", "", "register in ZooKeeper as a master: zk://host:port[,host:port]/path")
	f.IntVar(&cfg.Agents, "agents", 3, "number of simulated agents")
	f.Float64Var(&cfg.Agent.CPUs, "agent-cpus", 4, "cpus per agent")
	f.Float64Var(&cfg.Agent.MemMB, "agent-mem", 8192, "memory per agent, MB")
	f.Float64Var(&cfg.Agent.DiskMB, "agent-disk", 10240, "disk per agent, MB")
	f.StringVar(&ports, "agent-ports", "31000-32000", "port ranges per agent, e.g. 31000-32000,33000-33100")
	f.StringVar(&attrs, "agent-attributes", "", "text attributes, name=value[|value...];...")
	f.DurationVar(&cfg.HeartbeatInterval, "heartbeat", 15*time.Second, "interval of HEARTBEAT events")
	f.DurationVar(&cfg.AllocationInterval, "allocation-interval", time.Second, "interval of batch allocations")
	f.DurationVar(&cfg.OfferTimeout, "offer-timeout", 0, "rescind offers unanswered this long (0: never)")
	f.IntVar(&cfg.MaxOffersPerFramework, "max-offers", 0, "outstanding offers per framework (0: no cap)")
	f.DurationVar(&cfg.TaskStartDelay, "task-start-delay", 20*time.Millisecond, "STAGING to STARTING")
	f.DurationVar(&cfg.TaskRunDelay, "task-run-delay", 30*time.Millisecond, "STARTING to RUNNING")
	f.DurationVar(&cfg.TaskKillDelay, "task-kill-delay", 20*time.Millisecond, "kill to TASK_KILLED")
	f.DurationVar(&cfg.StatusUpdateRetry, "status-update-retry", 10*time.Second, "first resend interval of an unacknowledged update")
	f.Float64Var(&cfg.LaunchFailureRate, "launch-failure-rate", 0, "fraction of launches that fail, 0 to 1")
	f.Uint64Var(&cfg.Seed, "seed", 0, "random seed for injected failures (0: from the clock)")
	logs.register(cmd)
	return cmd
}

// runMesosSim serves until SIGTERM or interrupt, then leaves ZooKeeper and
// closes every stream.
func runMesosSim(ctx context.Context, cfg sim.Config) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	srv, err := sim.Start(startCtx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("mesos-sim: %w", err)
	}
	<-ctx.Done()
	cfg.Logger.Info("mesos-sim shutting down")
	if err := srv.Close(); err != nil {
		return fmt.Errorf("mesos-sim: close: %w", err)
	}
	return nil
}
