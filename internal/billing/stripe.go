package billing

import "github.com/taiwa/taiwa/internal/platform/outbox"

// Handlers are billing's outbox handlers by kind (the Stripe push).
func (s *Service) Handlers() map[string]outbox.Handler { return nil }
