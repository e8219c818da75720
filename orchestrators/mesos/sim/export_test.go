package sim

// streamIDOf exposes a framework's current Mesos-Stream-Id to tests that
// craft raw requests.
func (s *Sim) streamIDOf(frameworkID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fw := s.frameworks[frameworkID]; fw != nil {
		return fw.streamID
	}
	return ""
}
