// Package search holds the counsellor search index's configuration as data:
// the Meilisearch settings, the synonym groups and the words that name each
// code. The binary embeds them, so the settings a running server applies are
// the ones in this folder; package.json and its lock file here pin the
// engine binary that `make tools-search` installs.
package search

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed counselors.settings.json synonyms.json labels.json understanding.json
var files embed.FS

// Labels are the Japanese and English words for one code.
type Labels struct {
	JA []string `json:"ja"`
	EN []string `json:"en"`
}

// Vocabulary holds, per kind of code (themes, credentials, industries,
// job_functions, languages, formats), each code's words.
type Vocabulary map[string]map[string]Labels

// Config is the whole search configuration, read and checked once.
type Config struct {
	// Settings is the index settings document Meilisearch accepts on
	// PATCH /indexes/{uid}/settings, synonyms included.
	Settings json.RawMessage
	// Synonyms maps each word to the words it also finds (both ways within
	// a group), as Meilisearch wants them.
	Synonyms map[string][]string
	// Labels names every code in words people type.
	Labels Vocabulary
	// Understanding maps everyday words to filters (understanding.json).
	Understanding Understanding
}

// Understanding is understanding.json: the words that mean a filter, the
// fillers a found word may leave around it, and words to leave alone.
type Understanding struct {
	Fillers []string        `json:"fillers"`
	Filters []FilterMeaning `json:"filters"`
	// Keep are words that hold a filter's word but mean something else
	// (初対面 is not 対面); they stay text.
	Keep []string `json:"keep"`
}

// FilterMeaning is one group of words that all mean filter = value. Whole
// words match only as whole words (ASCII words always do).
type FilterMeaning struct {
	Filter string   `json:"filter"`
	Value  string   `json:"value"`
	Whole  bool     `json:"whole,omitempty"`
	Words  []string `json:"words"`
}

// Load reads the embedded files. It fails only if they are malformed, which
// the package's tests rule out.
func Load() (Config, error) {
	var c Config
	var groups struct {
		Groups [][]string `json:"groups"`
	}
	if err := readJSON("synonyms.json", &groups); err != nil {
		return c, err
	}
	c.Synonyms = expand(groups.Groups)
	var labels map[string]json.RawMessage
	if err := readJSON("labels.json", &labels); err != nil {
		return c, err
	}
	c.Labels = Vocabulary{}
	for kind, raw := range labels {
		if kind == "about" {
			continue
		}
		var m map[string]Labels
		if err := json.Unmarshal(raw, &m); err != nil {
			return c, fmt.Errorf("search: labels.json %s: %w", kind, err)
		}
		c.Labels[kind] = m
	}
	if err := readJSON("understanding.json", &c.Understanding); err != nil {
		return c, err
	}
	var settings map[string]any
	if err := readJSON("counselors.settings.json", &settings); err != nil {
		return c, err
	}
	settings["synonyms"] = c.Synonyms
	b, err := json.Marshal(settings)
	if err != nil {
		return c, fmt.Errorf("search: settings: %w", err)
	}
	c.Settings = b
	return c, nil
}

func readJSON(name string, v any) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("search: %s: %w", name, err)
	}
	return nil
}

// expand turns groups of equivalent words into Meilisearch's one-way map:
// each word finds every other word of every group it belongs to.
func expand(groups [][]string) map[string][]string {
	out := map[string][]string{}
	for _, g := range groups {
		for _, w := range g {
			for _, o := range g {
				if o != w && !slices.Contains(out[w], o) {
					out[w] = append(out[w], o)
				}
			}
		}
	}
	return out
}

// Words returns every Japanese and English word for code of kind.
func (v Vocabulary) Words(kind, code string) (ja, en []string) {
	l := v[kind][code]
	return l.JA, l.EN
}
