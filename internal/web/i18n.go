package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"
	"github.com/labstack/echo/v4"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the UI's languages, the default first.
var Languages = []string{"ja", "en"}

const langCookie = "lang"

// loadCatalogues reads every language's catalogue, i18n/<lang>.toml plus
// the feature files i18n/*.<lang>.toml, and refuses catalogues whose keys
// differ: a message missing in one language is a defect found at start,
// not a blank on a page.
func loadCatalogues(fsys fs.FS) (*i18n.Bundle, map[string]bool, error) {
	b := i18n.NewBundle(language.Japanese)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	var first map[string]bool
	for _, lang := range Languages {
		files, err := catalogueFiles(fsys, lang)
		if err != nil {
			return nil, nil, err
		}
		keys := map[string]bool{}
		for _, f := range files {
			mf, err := b.LoadMessageFileFS(fsys, f)
			if err != nil {
				return nil, nil, err
			}
			for _, m := range mf.Messages {
				if keys[m.ID] {
					return nil, nil, fmt.Errorf("%s: message %s is defined twice in %s's catalogues", f, m.ID, lang)
				}
				keys[m.ID] = true
			}
		}
		if first == nil {
			first = keys
			continue
		}
		if diff := keyDiff(first, keys); len(diff) > 0 {
			return nil, nil, fmt.Errorf("the %s and %s catalogues differ in %v", Languages[0], lang, diff)
		}
	}
	return b, first, nil
}

// catalogueFiles lists lang's catalogue files: the main one first.
func catalogueFiles(fsys fs.FS, lang string) ([]string, error) {
	more, err := fs.Glob(fsys, "i18n/*."+lang+".toml")
	if err != nil {
		return nil, err
	}
	return append([]string{"i18n/" + lang + ".toml"}, more...), nil
}

func keyDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	for k := range b {
		if !a[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// resolveLang picks the language of a request: the lang cookie, then the
// signed-in user's locale, then Japanese. The UI is Japanese first: a
// browser's Accept-Language does not switch it, the language switch does.
func resolveLang(c echo.Context, userLocale string) string {
	if ck, err := c.Cookie(langCookie); err == nil && slices.Contains(Languages, ck.Value) {
		return ck.Value
	}
	if slices.Contains(Languages, userLocale) {
		return userLocale
	}
	return Languages[0]
}

// translator renders message ids in one language.
type translator struct {
	loc  *i18n.Localizer
	keys map[string]bool
	log  func(key string, err error)
}

// T returns the message key with its template data given as name/value
// pairs. A missing key is logged and shown as the key itself; the catalogue
// tests make sure that never ships.
func (t translator) T(key string, pairs ...any) string {
	var data map[string]any
	if len(pairs) > 0 {
		data = make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			data[fmt.Sprint(pairs[i])] = pairs[i+1]
		}
	}
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil || !t.keys[key] {
		if t.log != nil {
			t.log(key, err)
		}
		return key
	}
	return s
}

func (s *Server) translator(lang string) translator {
	return translator{
		loc:  i18n.NewLocalizer(s.bundle, lang),
		keys: s.keys,
		log: func(key string, err error) {
			s.Log.Error("missing translation", "key", key, "lang", lang, "err", err)
		},
	}
}

// setLang answers POST /lang: it remembers the language in a cookie and,
// for a signed-in user, in their account, then goes back where they were.
func (s *Server) setLang(c echo.Context) error {
	lang := c.FormValue("lang")
	if !slices.Contains(Languages, lang) {
		lang = Languages[0]
	}
	c.SetCookie(&http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	if p, ok := principalOf(c); ok {
		if err := s.Accounts.SetLocale(c.Request().Context(), p, lang); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next"), "/"))
}
