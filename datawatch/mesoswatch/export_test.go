package mesoswatch

// SessionID is the watcher's ZooKeeper session (0 before it has one), so
// that tests can expire it.
func (w *Watcher) SessionID() int64 {
	if c := w.conn.Load(); c != nil {
		return c.SessionID()
	}
	return 0
}
