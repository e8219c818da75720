package tunnel

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/rancher/remotedialer"
)

// Peers: a tunnel ends on the replica the agent's websocket reached, and
// the others reach it through that replica (remotedialer's peer mode).
// Each replica opens one websocket to every other replica's tunnel route,
// authenticated with a token all replicas derive from the master key; over
// it the replica learns which clusters' tunnels the other holds, and dials
// through them. Dial then works on every replica whichever one the agent
// is connected to.

// EnablePeers names this replica and the token replicas present to each
// other. Call it before serving; without it SetPeers does nothing and
// other replicas' peer connections are refused.
func (s *Server) EnablePeers(self, token string) {
	s.rd.PeerID, s.rd.PeerToken = self, token
	s.peerToken = token
}

// IsPeer reports whether r is another replica's peer connection rather
// than an agent's.
func IsPeer(r *http.Request) bool {
	return r.Header.Get(remotedialer.ID) != "" || r.Header.Get(remotedialer.Token) != ""
}

// ServePeer serves another replica's peer connection, for as long as it
// lasts. The token is compared here in constant time (remotedialer's own
// check is a plain string comparison), and remotedialer then accepts only
// a replica this one added with SetPeers.
func (s *Server) ServePeer(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get(remotedialer.Token)
	if s.peerToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.peerToken)) != 1 {
		http.Error(w, "unknown peer", http.StatusUnauthorized)
		return
	}
	s.rd.ServeHTTP(w, r)
}

// SetPeers makes the given replicas (id → BCS base URL, http or https)
// this one's peers, and drops peers no longer listed.
func (s *Server) SetPeers(peers map[string]string) {
	if s.peerToken == "" {
		return
	}
	s.peerMu.Lock()
	defer s.peerMu.Unlock()
	for id := range s.peers {
		if _, ok := peers[id]; !ok {
			s.rd.RemovePeer(id)
			delete(s.peers, id)
			s.log.Info("tunnel peer removed", "replica", id)
		}
	}
	for id, base := range peers {
		if id == s.rd.PeerID || s.peers[id] == base {
			continue
		}
		u, err := WebsocketURL(strings.TrimRight(base, "/"))
		if err != nil {
			s.log.Warn("tunnel peer skipped", "replica", id, "err", err)
			continue
		}
		s.rd.AddPeer(u, id, s.peerToken)
		if s.peers == nil {
			s.peers = map[string]string{}
		}
		s.peers[id] = base
		s.log.Info("tunnel peer added", "replica", id, "url", u)
	}
}
