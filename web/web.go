// Package web holds the files the binary serves and renders: page
// templates, static assets, mail templates and the translation catalogues,
// embedded so a deployment is one file.
package web

import "embed"

// FS is the embedded web folder.
//
//go:embed templates static i18n mail
var FS embed.FS
