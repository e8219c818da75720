package clusters

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
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
