package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// maxMIMEDepth stops a hostile message from nesting multiparts without end.
const maxMIMEDepth = 10

// wordDecoder decodes RFC 2047 encoded-words in any charset a browser knows
// (UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP, …).
var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return transform.NewReader(input, enc.NewDecoder()), nil
}}

// decodeWords decodes encoded-words in a header value, keeping the value as
// it is when it cannot.
func decodeWords(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// decodeSubject reads the Subject header of a raw message, decoded.
func decodeSubject(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return decodeWords(m.Header.Get("Subject"))
}

// parsedMail is what a reader of a caught message wants: its text and its
// files.
type parsedMail struct {
	text        string
	hasText     bool
	attachments []Attachment
}

// parseMessage splits a raw RFC 5322 message into its first plain-text part
// (decoded to UTF-8, line breaks as "\n") and its attachments (bytes as sent, content type with
// its parameters but without the redundant name).
func parseMessage(raw []byte) (parsedMail, error) {
	var p parsedMail
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return p, fmt.Errorf("mail: parse message: %w", err)
	}
	err = p.walk(textproto.MIMEHeader(m.Header), m.Body, 0)
	return p, err
}

func (p *parsedMail) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil { // absent or broken: RFC 2045 says plain text
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxMIMEDepth {
			return errors.New("mail: parse message: multipart nested too deep")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("mail: parse message: %w", err)
			}
			if err := p.walk(part.Header, part, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("mail: decode %s part: %w", mediaType, err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = decodeWords(name)
	isFile := disposition == "attachment" || name != "" || !strings.HasPrefix(mediaType, "text/")
	switch {
	case mediaType == "text/plain" && !isFile && !p.hasText:
		p.text, p.hasText = strings.ReplaceAll(toUTF8(params["charset"], data), "\r\n", "\n"), true
	case isFile:
		delete(params, "name")
		p.attachments = append(p.attachments, Attachment{Name: name, ContentType: mime.FormatMediaType(mediaType, params), Data: data})
	}
	return nil
}

// transferDecoder undoes a Content-Transfer-Encoding; 7bit, 8bit and binary
// (and unknown ones) pass through.
func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips line breaks
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// toUTF8 converts text in charset to UTF-8, leaving it as it is when the
// charset is unknown.
func toUTF8(charset string, b []byte) string {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii":
		return string(b)
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return string(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}
