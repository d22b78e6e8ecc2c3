package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
)

// searchCmd is `taiwa search reindex`: rebuild the Meilisearch index and
// the fallback's table from PostgreSQL with no downtime.
func searchCmd(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "reindex" {
		return errors.New("usage: taiwa search reindex")
	}
	cfg, d, err := openDatabase(ctx)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	defer d.Close()
	return reindex(ctx, searchService(d, cfg, log), os.Stdout)
}

// searchService is the counsellor service as the search tools need it:
// with the engine when TAIWA_MEILISEARCH_URL is set.
func searchService(d *db.DB, cfg config.Config, log *slog.Logger) *counselor.Service {
	s := &counselor.Service{DB: d}
	if cfg.MeiliURL != "" {
		ix := meili.New(cfg.MeiliURL, cfg.MeiliKey, cfg.MeiliIndex)
		ix.Log = log
		s.Engine = ix
	}
	return s
}

// reindex rebuilds search and says what it did.
func reindex(ctx context.Context, s *counselor.Service, out *os.File) error {
	st, err := s.Reindex(ctx)
	if err != nil {
		return err
	}
	where := "the PostgreSQL fallback only (TAIWA_MEILISEARCH_URL is not set)"
	if s.Engine != nil {
		where = fmt.Sprintf("Meilisearch index %q (built as %s, swapped in) and the PostgreSQL fallback", s.Engine.Name, st.Build)
	}
	fmt.Fprintf(out, "search: reindexed %d listed counsellors into %s in %s; %d changed during the build and were written again\n",
		st.Documents, where, st.Elapsed.Round(time.Millisecond), st.Replayed)
	return nil
}
