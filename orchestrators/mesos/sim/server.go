package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Server is a simulator listening on TCP, registered in ZooKeeper if
// Config.ZK is set.
type Server struct {
	*Sim
	ln   net.Listener
	http *http.Server
	zk   *zkMember
	done chan struct{}
}

// Start listens on cfg.Listen (use 127.0.0.1:0 for a free port), joins
// ZooKeeper if configured (ctx bounds the wait for a session) and serves.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	sim, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", sim.cfg.Listen)
	if err != nil {
		sim.Close()
		return nil, fmt.Errorf("mesos sim: listen: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	advertise := addr.IP.String()
	if addr.IP.IsUnspecified() {
		advertise = "127.0.0.1" // a wildcard address is no use to frameworks discovering the master
	}
	sim.SetAddress(advertise, addr.Port)
	srv := &Server{
		Sim:  sim,
		ln:   ln,
		http: &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	if cfg.ZK != "" {
		// Not the leader until ZooKeeper says so: 503 meanwhile.
		sim.SetMode(ModeFollower, "")
		if srv.zk, err = joinZK(ctx, sim, cfg.ZK); err != nil {
			ln.Close()
			sim.Close()
			return nil, err
		}
	}
	go func() {
		defer close(srv.done)
		if err := srv.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			sim.log.Error("mesos sim: serve", "err", err)
		}
	}()
	sim.log.Info("mesos master simulator serving", "addr", srv.Addr(), "agents", cfg.Agents, "zk", cfg.ZK)
	return srv, nil
}

// Addr is the listening address, host:port.
func (srv *Server) Addr() string {
	a := srv.ln.Addr().(*net.TCPAddr)
	return net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}

// URL is the master's base URL, http://host:port.
func (srv *Server) URL() string { return "http://" + srv.Addr() }

// Close leaves ZooKeeper, ends every stream and stops serving.
func (srv *Server) Close() error {
	if srv.zk != nil {
		srv.zk.stop()
	}
	srv.Sim.Close()
	err := srv.http.Close()
	<-srv.done
	return err
}
