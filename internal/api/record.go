package api

// recordRoutes lists the record endpoints.
func (s *Server) recordRoutes() []Route {
	return nil
}
