package api

// feedbackRoutes lists the feedback endpoints.
func (s *Server) feedbackRoutes() []Route {
	return nil
}
