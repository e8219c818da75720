package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/session"
)

// Console sessions: a browser signs in once with an API token and then
// carries an opaque cookie instead of the token. The cookie's secret is
// stored only as its SHA-256; the session's CSRF token is derived from the
// secret under another label, so it is known to whoever holds the cookie
// (and to the server while it handles the cookie) but not to a reader of
// the database, and every replica derives the same one without a shared key.

// ErrSessionEnded covers unknown, expired and signed-out sessions and
// sessions whose token no longer works.
var ErrSessionEnded = errors.New("session expired or signed out: sign in again")

// DefaultSessionTTL is how long an unused session lives.
const DefaultSessionTTL = 12 * time.Hour

// sessionSlack is how much of its lifetime a session may use up before a
// request slides it forward: one write per session per slack, not one per
// request.
const sessionSlack = time.Minute

// Session is a signed-in browser.
type Session struct {
	ID        ID
	Viewer    *Viewer
	CSRF      string // the value X-CSRF-Token must carry
	ExpiresAt time.Time
}

// DefaultMaxSessionsPerToken is how many live sessions one token keeps:
// signing in once more ends the oldest, so a leaked token cannot pile up
// rows (and swept watches) faster than they expire.
const DefaultMaxSessionsPerToken = 32

// Sessions creates, resumes and ends console sessions.
type Sessions struct {
	authn *Authenticator
	ttl   time.Duration
	// MaxPerToken bounds each token's live sessions
	// (DefaultMaxSessionsPerToken unless set before the first SignIn).
	MaxPerToken int

	mu      sync.Mutex
	watched map[ID]map[*func()]struct{} // sockets opened with a session
}

// NewSessions keeps sessions beside a's tokens; ttl is the idle lifetime
// (DefaultSessionTTL when zero), never outlasting the token. a then
// carries sign-outs between replicas like its other identity events and
// sweeps the sessions of open sockets with its viewers.
func NewSessions(a *Authenticator, ttl time.Duration) *Sessions {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	s := &Sessions{authn: a, ttl: ttl, MaxPerToken: DefaultMaxSessionsPerToken}
	a.mu.Lock()
	a.sessions = s
	a.mu.Unlock()
	return s
}

// SignIn checks an API token and opens a session for it; the returned
// secret goes into the cookie and cannot be recovered later.
func (s *Sessions) SignIn(ctx context.Context, tokenSecret string) (string, *Session, error) {
	v, err := s.authn.Authenticate(ctx, tokenSecret)
	if err != nil {
		return "", nil, err
	}
	secret, hash := newSessionSecret()
	exp := s.until(time.Now(), v)
	row, err := s.authn.Client.Session.Create().SetHash(hash).SetTokenID(v.TokenID).
		SetTokenHash([]byte(v.hash)).SetExpiresAt(exp).Save(System(ctx))
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	if err := s.endOldest(ctx, v.TokenID); err != nil {
		return "", nil, err
	}
	return secret, &Session{ID: row.ID, Viewer: v, CSRF: CSRFToken(secret), ExpiresAt: exp}, nil
}

// endOldest signs out a token's live sessions beyond the newest
// MaxPerToken, here and on the other replicas.
func (s *Sessions) endOldest(ctx context.Context, token ID) error {
	ctx = System(ctx)
	old, err := s.authn.Client.Session.Query().
		Where(session.TokenID(token), session.RevokedAtIsNil(), session.ExpiresAtGT(time.Now())).
		Order(ent.Desc(session.FieldCreatedAt), ent.Desc(session.FieldID)).Offset(s.MaxPerToken).IDs(ctx)
	if err != nil {
		return fmt.Errorf("find a token's oldest sessions: %w", err)
	}
	if len(old) == 0 {
		return nil
	}
	if err := s.authn.Client.Session.Update().Where(session.IDIn(old...), session.RevokedAtIsNil()).
		SetRevokedAt(time.Now()).Exec(ctx); err != nil {
		return fmt.Errorf("end a token's oldest sessions: %w", err)
	}
	for _, id := range old {
		s.authn.publish(ctx, eventSession, id)
	}
	return nil
}

// until is when a session used now expires: the idle lifetime, capped by
// the token's expiry.
func (s *Sessions) until(now time.Time, v *Viewer) time.Time {
	exp := now.Add(s.ttl)
	if v.ExpiresAt != nil && v.ExpiresAt.Before(exp) {
		exp = *v.ExpiresAt
	}
	return exp
}

// Resume finds the live session of a cookie secret, with the viewer of
// its token, and slides its expiry. ErrSessionEnded or the token's own
// ErrInvalidToken says it no longer holds; other errors are storage trouble.
func (s *Sessions) Resume(ctx context.Context, secret string) (*Session, error) {
	if err := checkSessionSecret(secret); err != nil {
		return nil, ErrSessionEnded
	}
	ctx = System(ctx)
	now := time.Now()
	row, err := s.authn.Client.Session.Query().
		Where(session.Hash(hashSessionSecret(secret)), session.RevokedAtIsNil(), session.ExpiresAtGT(now)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	v, err := s.authn.byHash(ctx, string(row.TokenHash))
	if err != nil {
		return nil, err
	}
	exp := row.ExpiresAt
	if next := s.until(now, v); next.Sub(exp) > sessionSlack {
		// Best effort: a failed slide only shortens the session.
		if err := s.authn.Client.Session.UpdateOneID(row.ID).SetExpiresAt(next).Exec(ctx); err == nil {
			exp = next
		}
	}
	return &Session{ID: row.ID, Viewer: v, CSRF: CSRFToken(secret), ExpiresAt: exp}, nil
}

// SignOut revokes the session of a cookie secret and closes the sockets
// opened with it, here and (through the Authenticator's Broadcast) on the
// other replicas. Signing out an ended session is not an error.
func (s *Sessions) SignOut(ctx context.Context, secret string) error {
	if checkSessionSecret(secret) != nil {
		return nil
	}
	ctx = System(ctx)
	row, err := s.authn.Client.Session.Query().Where(session.Hash(hashSessionSecret(secret))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up session: %w", err)
	}
	if row.RevokedAt == nil {
		if err := row.Update().SetRevokedAt(time.Now()).Exec(ctx); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
	}
	s.authn.publish(ctx, eventSession, row.ID)
	return nil
}

// Purge deletes sessions that expired or were revoked before cutoff.
func (s *Sessions) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	return s.authn.Client.Session.Delete().Where(session.Or(session.ExpiresAtLT(cutoff), session.RevokedAtLT(cutoff))).Exec(System(ctx))
}

// WatchSession calls onEnd (once) when the session is signed out, here or
// on another replica, unless ctx ends first. Sockets opened with a session
// use it; the token's own end reaches them through Authenticator.Watch.
func (s *Sessions) WatchSession(ctx context.Context, id ID, onEnd func()) {
	var once sync.Once
	fn := func() { once.Do(onEnd) }
	h := &fn
	s.mu.Lock()
	if s.watched == nil {
		s.watched = map[ID]map[*func()]struct{}{}
	}
	if s.watched[id] == nil {
		s.watched[id] = map[*func()]struct{}{}
	}
	s.watched[id][h] = struct{}{}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		delete(s.watched[id], h)
		if len(s.watched[id]) == 0 {
			delete(s.watched, id)
		}
		s.mu.Unlock()
	})
}

// ended runs the hooks of a signed-out session.
func (s *Sessions) ended(id ID) {
	s.mu.Lock()
	hooks := s.watched[id]
	delete(s.watched, id)
	s.mu.Unlock()
	for h := range hooks {
		go (*h)()
	}
}

// sweep ends the watches of sessions signed out or expired without an
// event reaching this replica.
func (s *Sessions) sweep(ctx context.Context) {
	s.mu.Lock()
	ids := make([]ID, 0, len(s.watched))
	for id := range s.watched {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	live, err := s.authn.Client.Session.Query().
		Where(session.IDIn(ids...), session.RevokedAtIsNil(), session.ExpiresAtGT(time.Now())).IDs(System(ctx))
	if err != nil {
		return // storage trouble: the next sweep tries again
	}
	alive := make(map[ID]bool, len(live))
	for _, id := range live {
		alive[id] = true
	}
	for _, id := range ids {
		if !alive[id] {
			s.ended(id)
		}
	}
}

// CSRFToken is the CSRF token of a session secret.
func CSRFToken(secret string) string {
	sum := sha256.Sum256([]byte("bcs-csrf\x00" + secret))
	return tokenEncoding.EncodeToString(sum[:])
}

// CSRFHeader carries a session's CSRF token on requests riding its cookie.
const CSRFHeader = "X-CSRF-Token"

// CheckCSRF reports whether got is the session's CSRF token, in constant time.
func (s *Session) CheckCSRF(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

const sessionPrefix = "bcss_"

func newSessionSecret() (secret string, hash []byte) {
	secret, _ = NewToken()
	secret = sessionPrefix + secret[len(TokenPrefix):]
	return secret, hashSessionSecret(secret)
}

func hashSessionSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func checkSessionSecret(s string) error {
	if len(s) < len(sessionPrefix) || s[:len(sessionPrefix)] != sessionPrefix {
		return ErrMalformedToken
	}
	return CheckToken(TokenPrefix + s[len(sessionPrefix):])
}
