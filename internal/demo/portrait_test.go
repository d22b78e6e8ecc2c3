package demo_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
)

func TestPortraitIsADeterministicPNGThePhotoPathAccepts(t *testing.T) {
	t.Parallel()
	a, b := uuid.MustParse("6f1c2a4e-0b7d-4c1e-9a53-2d8e7f106b11"), uuid.MustParse("0a9b8c7d-6e5f-4a3b-8c1d-0e2f3a4b5c6d")
	pa, err := demo.Portrait(a)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := demo.Portrait(a)
	pb, _ := demo.Portrait(b)
	if !bytes.Equal(pa, again) {
		t.Error("the same id drew two different portraits")
	}
	if bytes.Equal(pa, pb) {
		t.Error("two ids drew the same portrait")
	}
	img, err := png.Decode(bytes.NewReader(pa))
	if err != nil || img.Bounds().Dx() != demo.PortraitSide || img.Bounds().Dy() != demo.PortraitSide {
		t.Fatalf("portrait: %v %v", err, img)
	}
	if err := counselor.CheckPhoto(pa); err != nil {
		t.Fatalf("the upload path refuses the portrait: %v", err)
	}
}

func BenchmarkPortrait(b *testing.B) {
	id := uuid.New()
	for b.Loop() {
		if _, err := demo.Portrait(id); err != nil {
			b.Fatal(err)
		}
	}
}
