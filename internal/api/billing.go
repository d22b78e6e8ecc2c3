package api

// billingRoutes are plans, contracts, billing runs, invoices, usage,
// earnings, payouts and Stripe's webhook (issue 8).
func (s *Server) billingRoutes() []Route {
	return nil
}
