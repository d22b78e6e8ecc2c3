package api

// programmeRoutes lists the programme endpoints.
func (s *Server) programmeRoutes() []Route {
	return nil
}
