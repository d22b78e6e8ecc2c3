package api

// auditRoutes lists the audit endpoints.
func (s *Server) auditRoutes() []Route {
	return nil
}
