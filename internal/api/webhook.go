package api

// webhookRoutes are the payment provider's callbacks (Stripe).
func (s *Server) webhookRoutes() []Route {
	return nil
}
