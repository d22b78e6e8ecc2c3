package search_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/meilisearch/meilisearch-go"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/search"
)

// TestSettingsSurviveTheClientsTypes: meili.Index sends the settings
// through meilisearch-go's Settings struct, which would silently drop a
// field it does not know.
func TestSettingsSurviveTheClientsTypes(t *testing.T) {
	cfg, err := search.Load()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(cfg.Settings))
	dec.DisallowUnknownFields()
	var s meilisearch.Settings
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("settings carry a field meilisearch-go cannot send: %v", err)
	}
	if len(s.Synonyms) == 0 || s.TypoTolerance == nil || s.Pagination == nil || len(s.LocalizedAttributes) == 0 {
		t.Fatalf("settings lost parts on the way: %+v", s)
	}
}

func TestSynonymsGoBothWays(t *testing.T) {
	cfg, err := search.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Synonyms) < 20 {
		t.Fatalf("only %d words have synonyms", len(cfg.Synonyms))
	}
	for w, others := range cfg.Synonyms {
		for _, o := range others {
			if o == w || !slices.Contains(cfg.Synonyms[o], w) {
				t.Errorf("%s finds %s but not the other way round", w, o)
			}
		}
	}
	for w, want := range map[string]string{"キャリコン": "キャリアコンサルタント", "メンタル": "メンタルヘルス", "パワハラ": "ハラスメント", "復職": "職場復帰", "1on1": "ワンオンワン"} {
		if !slices.Contains(cfg.Synonyms[w], want) {
			t.Errorf("%s does not find %s", w, want)
		}
	}
}

// TestEveryCodeHasJapaneseAndEnglishWords keeps labels.json in step with
// the vocabularies of internal/counselor.
func TestEveryCodeHasJapaneseAndEnglishWords(t *testing.T) {
	cfg, err := search.Load()
	if err != nil {
		t.Fatal(err)
	}
	for kind, codes := range map[string][]string{
		"themes": counselor.Themes, "credentials": counselor.CredentialKinds, "industries": counselor.Industries,
		"job_functions": counselor.JobFunctions, "languages": counselor.Languages, "formats": counselor.Formats,
	} {
		if len(cfg.Labels[kind]) != len(codes) {
			t.Errorf("%s: %d labelled codes, %d codes", kind, len(cfg.Labels[kind]), len(codes))
		}
		for _, c := range codes {
			if ja, en := cfg.Labels.Words(kind, c); len(ja) == 0 || len(en) == 0 {
				t.Errorf("%s %s lacks words: ja %v en %v", kind, c, ja, en)
			}
		}
	}
	if ja, _ := cfg.Labels.Words("credentials", "certified_public_psychologist"); !slices.Contains(ja, "公認心理師") {
		t.Errorf("公認心理師 does not name certified_public_psychologist: %v", ja)
	}
}
