package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/taiwa/taiwa/internal/counselor"
)

// searchCmd is `taiwa search reindex`: rebuild the Meilisearch index and
// the fallback's table from PostgreSQL with no downtime.
func searchCmd(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "reindex" {
		return errors.New("usage: taiwa search reindex")
	}
	_, svc, err := openServices(ctx)
	if err != nil {
		return err
	}
	defer svc.DB.Close()
	return reindex(ctx, svc.Counselors, os.Stdout)
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
