// Package hub fans committed Changes out to subscribers in this process.
//
// The change log (package changelog) is the source of truth; the hub is a
// cache of its tail. It learns of new Changes three ways: the local Writer
// hands over each committed batch (Publish), a Notifier wakes it when
// another replica committed (PostgreSQL LISTEN/NOTIFY on
// changelog.NotifyChannel), and a slow poll of the log head catches any
// wake-up that was lost. Whatever the path, the hub dispatches Changes
// strictly in revision order with no gaps, reading from the log whatever it
// was not handed.
//
// Ordering guarantees: every subscriber receives the Changes that match its
// filter in revision order, each exactly once. A subscription with a `since`
// revision first replays the log after it and then continues with live
// Changes, with no gap and no duplicate at the seam: it is registered for
// live delivery before the replay starts, live Changes are held back while
// it replays, and those the replay already covered are dropped.
//
// Slow subscribers: each subscription has a bounded buffer (its channel).
// Dispatch never blocks: a live subscriber whose buffer is full is closed
// with a *SlowConsumerError naming the last revision it was given, from
// which it can resume; nobody else is slowed down. While replaying, a
// subscriber is paced by its own reads of the log instead, and if the live
// Changes held back for it overflow, they are discarded and read from the
// log again, so a long replay cannot fail for being long.
//
// Tenancy: filters are applied here (changelog.Filter). Callers must put
// the viewer's visible project IDs in the filter. A subscription also
// re-checks the viewer in its context (auth.Viewer.Err) before every
// delivery: once the token is revoked or the memberships the filter was
// built from change, it ends with that error and receives nothing more.
package hub
