package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/zkutil"
)

// Service discovery as in the original BCS: every replica keeps an
// ephemeral, Curator-style node with its address under
// /bcs/services/bcs-api while its ZooKeeper session lives.
const (
	discoveryBase = "/bcs/services"
	discoveryName = "bcs-api"
)

// register runs the replica's discovery registration until ctx ends.
func (s *Server) register(ctx context.Context) error {
	host, portStr, err := net.SplitHostPort(s.cfg.Advertise)
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(portStr)
	sess, err := s.zkSession()
	if err != nil {
		return err
	}
	if err := sess.Wait(ctx); err != nil {
		return err
	}
	s.zk.Store(sess)
	defer s.zk.Store(nil)
	payload, _ := json.Marshal(map[string]string{"replica": s.replica})
	self := zkutil.ServiceInstance{Name: discoveryName, ID: s.replica, Address: host, Port: &port, Payload: payload}
	if s.cfg.PeerTLS != nil {
		self.Port, self.SSLPort = nil, &port
	}
	reg, err := zkutil.Register(ctx, sess, discoveryBase, self, s.log)
	if err != nil {
		return err
	}
	s.log.Info("registered for service discovery", "node", reg.Node())
	<-ctx.Done()
	return reg.Close()
}

// replicas lists the live replicas, or this one alone without ZooKeeper.
func (s *Server) replicas() ([]*model.Replica, error) {
	sess := s.zk.Load()
	if sess == nil {
		host, portStr, _ := net.SplitHostPort(s.cfg.Advertise)
		port, _ := strconv.Atoi(portStr)
		return []*model.Replica{{ID: s.replica, Address: host, Port: &port, RegisteredAt: s.started}}, nil
	}
	insts, err := zkutil.Instances(sess.Conn, discoveryBase, discoveryName)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Replica, len(insts))
	for i, in := range insts {
		port := in.Port
		if in.SSLPort != nil {
			port = in.SSLPort
		}
		out[i] = &model.Replica{ID: in.ID, Address: in.Address, Port: port, RegisteredAt: time.UnixMilli(in.RegistrationTimeUTC)}
	}
	return out, nil
}

// peerURLs are the other live replicas' base URLs (https when they serve
// TLS), by replica name.
func (s *Server) peerURLs() (map[string]string, error) {
	sess := s.zk.Load()
	if sess == nil {
		return nil, errors.New("not connected to ZooKeeper")
	}
	insts, err := zkutil.Instances(sess.Conn, discoveryBase, discoveryName)
	if err != nil {
		return nil, err
	}
	peers := map[string]string{}
	for _, in := range insts {
		if u, ok := in.BaseURL(); ok && in.ID != s.replica {
			peers[in.ID] = u
		}
	}
	return peers, nil
}
