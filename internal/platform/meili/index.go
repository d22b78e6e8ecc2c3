package meili

// Index is one Meilisearch index (its live name) reached through a client
// that does not stall; it remembers whether the engine answered lately so
// callers can fall back without waiting on a dead engine.
type Index struct {
	URL  string
	Key  string
	Name string
}
