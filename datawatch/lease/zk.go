package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bcs-io/bcs/internal/zkutil"
)

// DefaultZooKeeperRoot is where ZooKeeper leases live unless told otherwise.
const DefaultZooKeeperRoot = "/bcs/leases"

// ZooKeeper holds leases in ZooKeeper instead of the database. A lease is a
// leader election (zkutil.Election) among its contenders:
//
//	<Root>/<escaped name>/_c_<guid>-lock-<seq>
//
// one protected ephemeral sequential node per contender, holding the
// holder's name; the lowest sequence holds the lease, each other contender
// watches the node just before its own. The name is escaped into a single
// znode name (EscapeName: "datawatch/cls_1" is "datawatch%2Fcls_1").
//
// The term is the holder's session: a holder that dies stops pinging, the
// server expires its session after the session timeout and deletes its
// node, and the next contender takes over at once. The epoch is the czxid
// of the holder's node, which grows from holder to holder; ExpiresAt and
// Deadline are zero, as no clock bounds the term.
//
// A disconnected holder cannot know whether the server has already expired
// its session, so it stops its work (cancels fn's context) when it has been
// disconnected for a sixth of the session timeout: go-zookeeper notices a
// silent connection two thirds of the timeout after it last heard from the
// server, and the server expires the session no earlier than a full
// timeout after it last heard from the client, so the holder has stopped a
// sixth of the timeout before anybody else can take over. That assumes the
// server grants the session timeout the client asked for (ZooKeeper's
// default bounds are 2 to 20 ticks: 4 s to 40 s) and that fn honours its
// context promptly; the ttl given to Run plays no part.
type ZooKeeper struct {
	Session *zkutil.Session
	// Root is the parent of all leases; default DefaultZooKeeperRoot.
	Root   string
	Logger *slog.Logger
	// OnState, if set, is told when this holder starts (true) and stops
	// (false) holding a lease, as RunOptions.OnState.
	OnState func(held bool, l Lease)
}

// NewZooKeeper returns leases under root (default DefaultZooKeeperRoot) on
// session s.
func NewZooKeeper(s *zkutil.Session, root string, log *slog.Logger) *ZooKeeper {
	return &ZooKeeper{Session: s, Root: root, Logger: log}
}

// Path is the znode whose children contend for the lease name.
func (z *ZooKeeper) Path(name string) string {
	root := strings.TrimRight(z.Root, "/")
	if root == "" {
		root = DefaultZooKeeperRoot
	}
	return root + "/" + EscapeName(name)
}

// Run runs fn whenever holder holds the lease name, until ctx ends, with
// Store.Run's semantics: fn's context is cancelled when the lease is lost
// (the session expired, or was disconnected for too long; see ZooKeeper),
// and Run waits for fn and contends again. If fn returns by itself, Run
// releases the lease and returns fn's error; when ctx ends, Run cancels fn,
// waits for it, releases the lease and returns nil.
func (z *ZooKeeper) Run(ctx context.Context, name, holder string, _ time.Duration, fn func(ctx context.Context) error) error {
	if name == "" || holder == "" {
		return errors.New("lease: run needs a name and a holder")
	}
	log := z.Logger
	if log == nil {
		log = slog.Default()
	}
	lg := log.With("component", "lease", "lease", name, "holder", holder)
	for {
		e := zkutil.NewElection(z.Session, z.Path(name), []byte(holder), lg)
		l, err := e.Campaign(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Campaign retries by itself until ctx ends; anything else is a bug.
			return fmt.Errorf("lease %s: %w", name, err)
		}
		lease := Lease{Name: name, Holder: holder, Epoch: l.Czxid}
		lg.Info("lease acquired", "epoch", lease.Epoch, "node", l.Node)
		if done, err := term(ctx, lease, l.Done(), l.Resign, z.OnState, lg, fn); done {
			return err
		}
	}
}

// EscapeName turns a lease name into one valid znode name: bytes other than
// ASCII letters, digits, '-', '_' and '.' become %XX (so '/' is %2F), and
// so do the dots of the reserved names "." and "..". It is reversible, so
// distinct names never share a node.
func EscapeName(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		case c == '.' && name != "." && name != "..":
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
