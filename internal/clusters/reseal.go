package clusters

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/secrets"
)

// ResealLegacy seals again, bound to their cluster, the credentials that
// were sealed before binding existed; `bcs serve` runs it at start. Each
// row is rewritten only if it still holds what was read, so a concurrent
// agent report or a replica doing the same wins. Values it cannot open
// (another key) are left alone and counted in the log.
func ResealLegacy(ctx context.Context, client *ent.Client, box *secrets.Box, log *slog.Logger) (int, error) {
	ctx = auth.System(ctx)
	cs, err := client.Cluster.Query().Where(cluster.CredentialsNotNil()).
		Select(cluster.FieldID, cluster.FieldCredentials).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("reseal credentials: %w", err)
	}
	done, unreadable := 0, 0
	for _, c := range cs {
		if !secrets.Legacy(c.Credentials) {
			continue
		}
		plain, err := box.Open(string(c.ID), c.Credentials)
		if err != nil {
			unreadable++
			continue
		}
		sealed, err := box.Seal(string(c.ID), plain)
		if err != nil {
			return done, fmt.Errorf("reseal credentials: %w", err)
		}
		n, err := client.Cluster.Update().
			Where(cluster.ID(c.ID), cluster.CredentialsEQ(c.Credentials)).
			SetCredentials(sealed).Save(ctx)
		if err != nil {
			return done, fmt.Errorf("reseal credentials of cluster %s: %w", c.ID, err)
		}
		done += n
	}
	if done > 0 || unreadable > 0 {
		log.Info("sealed legacy cluster credentials again, bound to their cluster", "resealed", done, "unreadable", unreadable)
	}
	return done, nil
}

// RedactEndpoints drops credentials from the endpoints of clusters stored
// before Cluster.endpoint was shown without them (a Mesos master URL's
// user:password@); the sealed credentials keep them. `bcs serve` runs it at
// start.
func RedactEndpoints(ctx context.Context, client *ent.Client) (int, error) {
	ctx = auth.System(ctx)
	cs, err := client.Cluster.Query().Where(cluster.EndpointContains("@")).
		Select(cluster.FieldID, cluster.FieldEndpoint).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("redact endpoints: %w", err)
	}
	done := 0
	for _, c := range cs {
		shown := netpolicy.Redact(c.Endpoint)
		if shown == c.Endpoint {
			continue
		}
		if err := client.Cluster.UpdateOneID(c.ID).SetEndpoint(shown).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			return done, fmt.Errorf("redact endpoint of cluster %s: %w", c.ID, err)
		}
		done++
	}
	return done, nil
}
