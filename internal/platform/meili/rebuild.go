package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Rebuild fills a fresh copy of the index and swaps it in, so searches on
// the live name never see a half-built index: it creates
// <name>_build_<unix ms>, applies settings, lets fill add every document
// through add (batches are sent without waiting, then all are awaited),
// creates the live index if it is missing, swaps the two atomically and
// drops the old copy. Leftover builds of a crashed run are dropped first.
// It returns the build index's name.
func (ix *Index) Rebuild(ctx context.Context, settings json.RawMessage, fill func(add func(docs any) error) error) (string, error) {
	build := ix.Sibling(fmt.Sprintf("%s_build_%d", ix.Name, time.Now().UnixMilli()))
	if err := ix.dropStaleBuilds(ctx); err != nil {
		return "", err
	}
	if err := build.create(ctx); err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_ = build.DeleteIndex(dctx)
		}
	}()
	if err := build.ApplySettings(ctx, settings); err != nil {
		return "", err
	}
	var tasks []int64
	err := fill(func(docs any) error {
		uid, err := build.enqueueDocs(ctx, docs)
		tasks = append(tasks, uid)
		return err
	})
	if err != nil {
		return "", err
	}
	for _, uid := range tasks {
		if err := build.wait(ctx, uid); err != nil {
			return "", err
		}
	}
	if _, err := ix.Count(ctx); errors.Is(err, ErrNoIndex) {
		if err := ix.create(ctx); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	info, err := ix.admin.SwapIndexesWithContext(ctx, []*meilisearch.SwapIndexesParams{{Indexes: []string{ix.Name, build.Name}}})
	if err != nil {
		return "", fmt.Errorf("meili: swap %s with %s: %w", ix.Name, build.Name, err)
	}
	if err := ix.wait(ctx, info.TaskUID); err != nil {
		return "", err
	}
	ok = true
	// The build name now holds the old documents.
	return build.Name, build.DeleteIndex(ctx)
}

func (ix *Index) create(ctx context.Context) error {
	info, err := ix.admin.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: ix.Name, PrimaryKey: "id"})
	if err != nil {
		ix.observe(ctx, err)
		return fmt.Errorf("meili: create index %s: %w", ix.Name, err)
	}
	return ix.wait(ctx, info.TaskUID)
}

// dropStaleBuilds deletes <name>_build_* indexes a crashed rebuild left.
func (ix *Index) dropStaleBuilds(ctx context.Context) error {
	prefix := ix.Name + "_build_"
	var stale []string
	for offset := int64(0); ; {
		list, err := ix.admin.ListIndexesWithContext(ctx, &meilisearch.IndexesQuery{Limit: 100, Offset: offset})
		if err != nil {
			ix.observe(ctx, err)
			return fmt.Errorf("meili: list indexes: %w", err)
		}
		for _, r := range list.Results {
			if strings.HasPrefix(r.UID, prefix) {
				stale = append(stale, r.UID)
			}
		}
		offset += int64(len(list.Results))
		if len(list.Results) == 0 || offset >= list.Total {
			break
		}
	}
	for _, name := range stale {
		if err := ix.Sibling(name).DeleteIndex(ctx); err != nil {
			return err
		}
	}
	return nil
}
