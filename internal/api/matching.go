package api

// matchingRoutes are the fit questionnaire and recommendations (issue 5).
func (s *Server) matchingRoutes() []Route {
	return nil
}
