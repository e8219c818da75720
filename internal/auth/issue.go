package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/user"
)

// IssueToken creates a token for the user and returns its secret, which is
// never stored and cannot be shown again. ttl 0 means no expiry.
func IssueToken(ctx context.Context, client *ent.Client, userID ID, name string, ttl time.Duration) (string, *ent.Token, error) {
	return IssueTokenUntil(ctx, client, userID, name, Expiry(nil, ttl))
}

// Expiry is when a token made by maker (nil: by BCS itself) to live for
// ttl (0: forever) expires (nil: never). A token may not outlive the one
// that made it: a short-lived token would otherwise mint a permanent one.
// Admins are trusted with that.
func Expiry(maker *Viewer, ttl time.Duration) *time.Time {
	var until *time.Time
	if ttl > 0 {
		t := time.Now().Add(ttl)
		until = &t
	}
	if maker != nil && maker.ExpiresAt != nil && !maker.Admin && (until == nil || until.After(*maker.ExpiresAt)) {
		until = maker.ExpiresAt
	}
	return until
}

// IssueTokenUntil is IssueToken with the moment the token expires (nil:
// never).
func IssueTokenUntil(ctx context.Context, client *ent.Client, userID ID, name string, until *time.Time) (string, *ent.Token, error) {
	return issue(ctx, client.Token.Create().SetUserID(userID).SetName(name).SetNillableExpiresAt(until))
}

// IssueClusterToken issues a token that opens one cluster's Kubernetes
// proxy and nothing else (a kubeconfig's credential; Viewer.Cluster).
func IssueClusterToken(ctx context.Context, client *ent.Client, userID ID, name string, until *time.Time, clusterID ID) (string, *ent.Token, error) {
	return issue(ctx, client.Token.Create().SetUserID(userID).SetName(name).SetNillableExpiresAt(until).SetClusterID(clusterID))
}

func issue(ctx context.Context, create *ent.TokenCreate) (string, *ent.Token, error) {
	secret, hash := NewToken()
	t, err := create.SetHash(hash).Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

// Bootstrap makes sure the named user exists (an admin if admin is set) and
// issues a token for it; `bcs token create` uses it against the database.
func Bootstrap(ctx context.Context, client *ent.Client, userName string, admin bool, tokenName string, ttl time.Duration) (string, error) {
	ctx = System(ctx)
	u, err := client.User.Query().Where(user.Name(userName)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		u, err = client.User.Create().SetName(userName).SetAdmin(admin).Save(ctx)
	case err == nil && admin && !u.Admin:
		u, err = u.Update().SetAdmin(true).Save(ctx)
	}
	if err != nil {
		return "", fmt.Errorf("user %s: %w", userName, err)
	}
	secret, _, err := IssueToken(ctx, client, u.ID, tokenName, ttl)
	return secret, err
}
