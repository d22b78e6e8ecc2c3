package counselor_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// halves is a w × h image, red on its left half and blue on its right.
func halves(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF segment with orientation o after the
// JPEG's start marker, as a phone camera writes it (big-endian TIFF).
func withOrientation(j []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01")                               // header, IFD0 at 8 with one entry
	tiff = append(tiff, 0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, byte(o>>8), byte(o), 0, 0) // orientation, SHORT, 1
	tiff = append(tiff, 0, 0, 0, 0)                                                    // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out := append([]byte{}, j[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// hugePNG is a valid PNG header declaring w × h pixels, with no pixels.
func hugePNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func decodeStored(t *testing.T, p counselor.Photo) image.Image {
	t.Helper()
	if p.ContentType != "image/jpeg" {
		t.Fatalf("stored content type %q, want image/jpeg", p.ContentType)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatalf("stored bytes are not a JPEG: %v", err)
	}
	return img
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0x9000 && g < 0x6000 && b < 0x6000
}

func isBlue(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return b > 0x9000 && r < 0x6000 && g < 0x6000
}

func TestSetPhotoReencodesAsJPEGWithinTheSide(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	cases := []struct {
		name, ct string
		data     []byte
		w, h     int
	}{
		{"large PNG", "image/png", pngOf(t, halves(1024, 768)), 512, 384},
		{"tall JPEG", "image/jpeg", jpegOf(t, halves(300, 900)), 170, 512},
		{"small PNG, no type", "", pngOf(t, halves(64, 48)), 64, 48},
	}
	for i, tc := range cases {
		info, err := f.svc.SetPhotoAs(ctx, p, tc.ct, tc.data)
		if err != nil || info.Width != tc.w || info.Height != tc.h || info.ContentType != "image/jpeg" {
			t.Fatalf("%s: %+v (%v), want %d×%d JPEG", tc.name, info, err, tc.w, tc.h)
		}
		got, err := f.svc.GetPhoto(ctx, p, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		img := decodeStored(t, got)
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Fatalf("%s: stored %v", tc.name, b)
		}
		if !isRed(img.At(2, tc.h/2)) || !isBlue(img.At(tc.w-3, tc.h/2)) {
			t.Fatalf("%s: the picture did not survive: %v %v", tc.name, img.At(2, tc.h/2), img.At(tc.w-3, tc.h/2))
		}
		if n := f.indexed(c.ID); n != i+1 {
			t.Fatalf("%s: %d search index requests, want %d", tc.name, n, i+1)
		}
	}
	prof, _ := f.svc.MyProfile(ctx, p)
	if prof.PhotoURL == "" || !bytes.HasPrefix([]byte(prof.PhotoURL), []byte("/api/v1/counselors/"+c.ID.String()+"/photo?v=")) {
		t.Fatalf("photo_url = %q", prof.PhotoURL)
	}
}

func TestSetPhotoTurnsAPhonePhotoUpright(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	// Stored 40 × 20, red left; orientation 6 means "turn clockwise to show":
	// shown 20 × 40 with red on top.
	if _, err := f.svc.SetPhotoAs(ctx, p, "image/jpeg", withOrientation(jpegOf(t, halves(40, 20)), 6)); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetPhoto(ctx, p, c.ID)
	img := decodeStored(t, got)
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Fatalf("stored %v, want 20×40", b)
	}
	if !isRed(img.At(10, 3)) || !isBlue(img.At(10, 36)) {
		t.Fatalf("not turned clockwise: top %v bottom %v", img.At(10, 3), img.At(10, 36))
	}
	if bytes.Contains(got.Data, []byte("Exif")) {
		t.Fatal("the stored photo kept the EXIF metadata")
	}
}

func TestSetPhotoRefusesWhatIsNotASafeImage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	good := pngOf(t, halves(64, 64))
	cases := []struct {
		name, ct string
		data     []byte
	}{
		{"empty", "image/png", nil},
		{"text", "image/png", []byte("hello, this is not a picture at all")},
		{"text as text", "text/plain", []byte("hello")},
		{"truncated PNG", "image/png", good[:len(good)/2]},
		{"truncated JPEG", "image/jpeg", jpegOf(t, halves(64, 64))[:200]},
		{"header only", "image/png", good[:40]},
		{"huge dimensions", "image/png", hugePNG(10000, 10000)},
		{"zero width", "image/png", hugePNG(0, 10)},
		{"oversized", "image/png", append(append([]byte{}, good...), make([]byte, counselor.MaxPhotoBytes)...)},
		{"PNG declared as JPEG", "image/jpeg", good},
		{"GIF", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
		{"SVG", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"fake WebP", "image/webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00junk")},
	}
	for _, tc := range cases {
		_, err := f.svc.SetPhotoAs(ctx, p, tc.ct, tc.data)
		if fieldsOf(err)["photo"] == "" {
			t.Errorf("%s: err = %v, want 400 naming photo", tc.name, err)
		}
	}
	if _, err := f.svc.GetPhoto(ctx, p, c.ID); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("a refused upload left a photo: %v", err)
	}
	if n := f.indexed(c.ID); n != 0 {
		t.Fatalf("refused uploads queued %d reindexes", n)
	}
}

func TestGetPhotoShowsOnlyListedCounsellorsToOthers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	other, _ := f.counselor()
	if err := f.svc.SetPhoto(ctx, p, pngOf(t, halves(32, 32))); err != nil {
		t.Fatal(err)
	}
	employee := auth.Principal{UserID: uuid.New(), Role: auth.RoleEmployee, CompanyID: uuid.New()}
	see := func(who auth.Principal) bool {
		_, err := f.svc.GetPhoto(ctx, who, c.ID)
		if err != nil && !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("GetPhoto: %v", err)
		}
		return err == nil
	}
	if !see(p) || !see(f.op) || see(employee) || see(other) || see(auth.Principal{}) {
		t.Fatal("a pending counsellor's photo: want only them and operators to see it")
	}
	f.credential(p, c, "icf_coach", "", true)
	if _, err := f.svc.Verify(ctx, f.op, c.ID); err != nil {
		t.Fatal(err)
	}
	if !see(employee) || !see(other) {
		t.Fatal("a listed counsellor's photo is hidden from signed-in users")
	}
	if _, err := f.svc.Suspend(ctx, f.op, c.ID, "調査中"); err != nil {
		t.Fatal(err)
	}
	if see(employee) || !see(p) {
		t.Fatal("a suspended counsellor's photo: want only them and operators to see it")
	}
	if _, err := f.svc.GetPhoto(ctx, f.op, uuid.New()); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("unknown counsellor: %v", err)
	}
}

func FuzzSetPhotoNeverFailsInternally(f *testing.F) {
	f.Add(pngOf(f, halves(8, 8)))
	f.Add(jpegOf(f, halves(8, 8)))
	f.Add(hugePNG(100, 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := counselor.CheckPhoto(data)
		if err != nil && !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("bad bytes gave %v, want 400", err)
		}
	})
}
