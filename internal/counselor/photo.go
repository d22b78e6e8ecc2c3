package counselor

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Limits of an uploaded photo. What is stored is always our own JPEG of
// at most PhotoSide × PhotoSide, never the uploaded bytes.
const (
	MaxPhotoBytes  = 5 << 20    // upload size
	MaxPhotoPixels = 40_000_000 // width × height of the upload
	PhotoSide      = 512        // longest side stored
	photoQuality   = 85
)

// PhotoTypes are the accepted upload types.
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// PhotoInfo describes a stored photo.
type PhotoInfo struct {
	URL         string    `json:"photo_url"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// codec reads one accepted image format.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// decodeSlots bounds concurrent decodes: a 40-megapixel upload may take a
// few hundred MB while it is decoded, and this is the one place that can.
var decodeSlots = make(chan struct{}, 2)

// sniffImage names the format of data by its signature, or "".
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

func photoError(problem string) error { return apperr.Field("photo", problem) }

// SetPhoto checks (type, size, dimensions), re-encodes and stores the
// signed-in counsellor's photo.
func (s *Service) SetPhoto(ctx context.Context, actor auth.Principal, data []byte) error {
	_, err := s.SetPhotoAs(ctx, actor, "", data)
	return err
}

// SetPhotoAs is SetPhoto for an upload whose declared content type
// (a Content-Type header, "" when unknown) must match its bytes.
func (s *Service) SetPhotoAs(ctx context.Context, actor auth.Principal, contentType string, data []byte) (PhotoInfo, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return PhotoInfo{}, err
	}
	out, w, h, err := reencode(ctx, contentType, data)
	if err != nil {
		return PhotoInfo{}, err
	}
	info := PhotoInfo{ContentType: "image/jpeg", Width: w, Height: h, UpdatedAt: s.Clock.Now().UTC().Truncate(time.Microsecond)}
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := ownProfile(ctx, tx, actor, true)
		if err != nil {
			return err
		}
		if err := storePhoto(ctx, tx, r.ID, info, out); err != nil {
			return err
		}
		info.URL = PhotoURL(r.ID, info.UpdatedAt)
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: "counselor.photo.update", TargetType: "counselor",
			TargetID: r.ID.String(), Details: map[string]any{"bytes": len(out), "width": w, "height": h}}); err != nil {
			return err
		}
		return EnqueueIndex(ctx, tx, r.ID)
	})
	return info, err
}

// storePhoto keeps a re-encoded photo as the counsellor's photo and moves
// their photo's address (photo_updated_at) on.
func storePhoto(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, info PhotoInfo, data []byte) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO counselor_photos (counselor_id, content_type, data, width, height, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (counselor_id) DO UPDATE SET content_type = EXCLUDED.content_type, data = EXCLUDED.data,
		  width = EXCLUDED.width, height = EXCLUDED.height, updated_at = EXCLUDED.updated_at`,
		counselorID, info.ContentType, data, info.Width, info.Height, info.UpdatedAt); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE counselors SET photo_updated_at = $2, updated_at = now() WHERE id = $1`, counselorID, info.UpdatedAt)
	return err
}

// SeedPhoto stores data as a counsellor's photo inside a platform job's
// transaction (the demo seed's generated portraits): the same checks,
// re-encoding and storage as a counsellor's own upload, without the
// upload's actor, audit entry or index refresh (the seed's reindex
// follows).
func SeedPhoto(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, data []byte, now time.Time) error {
	out, w, h, err := reencode(ctx, "", data)
	if err != nil {
		return err
	}
	info := PhotoInfo{ContentType: "image/jpeg", Width: w, Height: h, UpdatedAt: now.UTC().Truncate(time.Microsecond)}
	return storePhoto(ctx, tx, counselorID, info, out)
}

// CheckPhoto reports whether data would be accepted as a photo (400 naming
// "photo" when not), without storing anything.
func CheckPhoto(data []byte) error {
	_, _, _, err := reencode(context.Background(), "", data)
	return err
}

// reencode checks an upload and returns it as our own JPEG, at most
// PhotoSide on its longest side, upright, without metadata.
func reencode(ctx context.Context, declared string, data []byte) ([]byte, int, int, error) {
	switch {
	case len(data) == 0:
		return nil, 0, 0, photoError("is empty; send a JPEG, PNG or WebP image")
	case len(data) > MaxPhotoBytes:
		return nil, 0, 0, photoError("must be at most 5 MiB")
	}
	kind := sniffImage(data)
	if kind == "" {
		return nil, 0, 0, photoError("must be a JPEG, PNG or WebP image")
	}
	if declared != "" {
		mt, _, err := mime.ParseMediaType(declared)
		if err != nil || (mt != kind && mt != "application/octet-stream") {
			return nil, 0, 0, photoError(fmt.Sprintf("is %s, not the declared %s", kind, declared))
		}
	}
	c := codecs[kind]
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, photoError("could not be read as an image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return nil, 0, 0, photoError("must be at most 40 megapixels")
	}
	select {
	case decodeSlots <- struct{}{}:
		defer func() { <-decodeSlots }()
	case <-ctx.Done():
		return nil, 0, 0, ctx.Err()
	}
	src, err := safeDecode(c.decode, data)
	if err != nil {
		return nil, 0, 0, photoError("could not be read as an image")
	}
	dst := scaled(src, PhotoSide)
	if kind == "image/jpeg" {
		dst = orient(dst, jpegOrientation(data))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, 0, 0, fmt.Errorf("photo: encode: %w", err)
	}
	b := dst.Bounds()
	return buf.Bytes(), b.Dx(), b.Dy(), nil
}

// safeDecode decodes data, turning a decoder's panic on hostile input into
// an error.
func safeDecode(decode func(io.Reader) (image.Image, error), data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("photo: decoder panic: %v", r)
		}
	}()
	return decode(bytes.NewReader(data))
}

// fit returns w × h shrunk to fit side × side, keeping the aspect ratio;
// smaller images keep their size.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}

// scaled draws src onto white (JPEG has no transparency) at most side ×
// side, with Catmull-Rom resampling; an image that already fits is copied
// pixel for pixel (resampling to the same size would only cost time).
func scaled(src image.Image, side int) *image.RGBA {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), side)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	return dst
}

// GetPhoto returns a counsellor's photo: anyone signed in for a listed
// counsellor, the counsellor themself and operators always; else 404.
func (s *Service) GetPhoto(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Photo, error) {
	if !actor.Role.Valid() {
		return Photo{}, apperr.NotFound("photo")
	}
	var p Photo
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var row struct {
			ContentType string    `db:"content_type"`
			Data        []byte    `db:"data"`
			UpdatedAt   time.Time `db:"updated_at"`
			Status      string    `db:"status"`
			UserID      uuid.UUID `db:"user_id"`
		}
		err := tx.GetContext(ctx, &row, `SELECT p.content_type, p.data, p.updated_at, c.status, c.user_id
			FROM counselor_photos p JOIN counselors c ON c.id = p.counselor_id WHERE p.counselor_id = $1`, counselorID)
		if db.IsNoRows(err) {
			return apperr.NotFound("photo")
		}
		if err != nil {
			return err
		}
		visible := row.Status == "verified" || actor.Role == auth.RoleOperator ||
			(actor.Role == auth.RoleCounselor && actor.UserID == row.UserID)
		if !visible {
			return apperr.NotFound("photo")
		}
		p = Photo{ContentType: row.ContentType, Data: row.Data, UpdatedAt: row.UpdatedAt}
		return nil
	})
	return p, err
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG, 1 when it has
// none. Phones store photos sideways with this tag; the re-encoded photo
// drops all metadata (and so the tag, and any location), so it is applied.
func jpegOrientation(b []byte) int {
	for i := 2; i+4 <= len(b) && b[i] == 0xff; {
		marker, size := b[i+1], int(b[i+2])<<8|int(b[i+3])
		if marker == 0xda || size < 2 || i+2+size > len(b) { // start of scan: no more metadata
			return 1
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// exifOrientation finds tag 0x0112 in the first IFD of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return u16(b) | u16(b[2:])<<16 }
	case "MM":
		u16 = func(b []byte) int { return int(b[0])<<8 | int(b[1]) }
		u32 = func(b []byte) int { return u16(b)<<16 | u16(b[2:]) }
	default:
		return 1
	}
	ifd := u32(t[4:])
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := u16(t[ifd:])
	for e := ifd + 2; n > 0 && e+12 <= len(t); e, n = e+12, n-1 {
		if u16(t[e:]) == 0x0112 && u16(t[e+2:]) == 3 {
			if o := u16(t[e+8:]); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// orient turns an image stored with EXIF orientation o upright.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 { // the four orientations that swap the sides
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // shown turned 90° clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // shown turned 90° anticlockwise
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}
