package matching

// PoolLive reports whether WatchCandidates is listening (tests wait on it).
func (s *Service) PoolLive() bool { return s.pool.live.Load() }
