package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/google/uuid"
)

// PortraitSide is the side of a generated portrait, in pixels.
const PortraitSide = 256

// Palettes of the generated portraits: soft backgrounds, a range of skin
// tones, natural hair colours and plain shirts.
var (
	portraitBackgrounds = []color.RGBA{
		{0xe3, 0xf0, 0xea, 0xff}, {0xe8, 0xe6, 0xf4, 0xff}, {0xf6, 0xeb, 0xdc, 0xff}, {0xdf, 0xec, 0xf6, 0xff},
		{0xf3, 0xe2, 0xe6, 0xff}, {0xea, 0xf1, 0xdc, 0xff}, {0xee, 0xee, 0xe8, 0xff}, {0xdc, 0xef, 0xf0, 0xff},
	}
	portraitSkins = []color.RGBA{
		{0xf6, 0xd9, 0xc2, 0xff}, {0xee, 0xc8, 0xa8, 0xff}, {0xe0, 0xb3, 0x8f, 0xff}, {0xc9, 0x97, 0x72, 0xff}, {0xa8, 0x76, 0x55, 0xff},
	}
	portraitHair = []color.RGBA{
		{0x22, 0x1d, 0x1b, 0xff}, {0x3b, 0x2a, 0x22, 0xff}, {0x5a, 0x3e, 0x2b, 0xff}, {0x7d, 0x7a, 0x78, 0xff}, {0x2e, 0x27, 0x30, 0xff},
	}
	portraitShirts = []color.RGBA{
		{0x2f, 0x5d, 0x8a, 0xff}, {0x3f, 0x7d, 0x6b, 0xff}, {0x8a, 0x4f, 0x6a, 0xff}, {0x5b, 0x5f, 0x97, 0xff},
		{0xb0, 0x6d, 0x3b, 0xff}, {0x4a, 0x55, 0x60, 0xff}, {0x9a, 0x8a, 0x5a, 0xff}, {0x6a, 0x8f, 0xb5, 0xff},
	}
	portraitInk = color.RGBA{0x2a, 0x22, 0x20, 0xff}
)

// portrait is one generated face: every choice comes from the bytes of a
// counsellor's id, so the same counsellor always gets the same picture.
type portrait struct {
	background, skin, hair, shirt color.RGBA
	style                         int // 0 short, 1 long, 2 bun, 3 cropped
	glasses                       bool
	headW                         float64
}

func newPortrait(id uuid.UUID) portrait {
	return portrait{
		background: portraitBackgrounds[int(id[0])%len(portraitBackgrounds)],
		skin:       portraitSkins[int(id[1])%len(portraitSkins)],
		hair:       portraitHair[int(id[2])%len(portraitHair)],
		shirt:      portraitShirts[int(id[3])%len(portraitShirts)],
		style:      int(id[4]) % 4,
		glasses:    id[5]%3 == 0,
		headW:      0.165 + float64(id[7]%4)*0.008,
	}
}

// inEllipse says whether (x, y) lies inside the ellipse at (cx, cy).
func inEllipse(x, y, cx, cy, rx, ry float64) bool {
	dx, dy := (x-cx)/rx, (y-cy)/ry
	return dx*dx+dy*dy <= 1
}

// at is the portrait's colour at (x, y), both from 0 to 1, painting the
// shapes from back to front.
func (p portrait) at(x, y float64) color.RGBA {
	c := p.background
	if p.style == 1 && inEllipse(x, y, 0.5, 0.5, p.headW+0.06, 0.28) && y < 0.74 { // long hair behind the head
		c = p.hair
	}
	if inEllipse(x, y, 0.5, 1.08, 0.40, 0.34) { // shoulders
		c = p.shirt
	}
	if x > 0.45 && x < 0.55 && y > 0.58 && y < 0.78 && !inEllipse(x, y, 0.5, 1.08, 0.40, 0.34) { // neck
		c = shade(p.skin, 0.92)
	}
	if y > 0.74 && abs(x-0.5) < 0.08-(y-0.74)*0.9 && inEllipse(x, y, 0.5, 1.08, 0.40, 0.34) { // open collar
		c = shade(p.skin, 0.92)
	}
	if inEllipse(x, y, 0.5, 0.46, p.headW, 0.21) { // head
		c = p.skin
	}
	if inEllipse(x, y, 0.5-p.headW, 0.48, 0.025, 0.04) || inEllipse(x, y, 0.5+p.headW, 0.48, 0.025, 0.04) { // ears
		c = shade(p.skin, 0.95)
	}
	switch p.style { // hair on top
	case 0, 1:
		d := abs(x-0.5) / p.headW
		if inEllipse(x, y, 0.5, 0.40, p.headW+0.02, 0.19) && y < 0.34+0.12*d*d {
			c = p.hair
		}
	case 2:
		if inEllipse(x, y, 0.5, 0.38, p.headW+0.015, 0.16) && y < 0.37 || inEllipse(x, y, 0.5, 0.19, 0.075, 0.065) {
			c = p.hair
		}
	case 3:
		if inEllipse(x, y, 0.5, 0.40, p.headW+0.01, 0.17) && y < 0.33 {
			c = p.hair
		}
	}
	for _, ex := range []float64{0.5 - p.headW*0.45, 0.5 + p.headW*0.45} {
		if inEllipse(x, y, ex, 0.47, 0.016, 0.02) { // eyes
			c = portraitInk
		}
		if p.glasses && inEllipse(x, y, ex, 0.47, 0.05, 0.042) && !inEllipse(x, y, ex, 0.47, 0.04, 0.032) {
			c = portraitInk
		}
	}
	if p.glasses && y > 0.465 && y < 0.475 && abs(x-0.5) < p.headW*0.45-0.05 { // bridge
		c = portraitInk
	}
	if inEllipse(x, y, 0.5, 0.535, 0.06, 0.045) && !inEllipse(x, y, 0.5, 0.525, 0.06, 0.045) && y > 0.54 { // smile
		c = shade(p.skin, 0.6)
	}
	return c
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// shade darkens c by f (0–1).
func shade(c color.RGBA, f float64) color.RGBA {
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), c.A}
}

// drawn holds each portrait drawn by this process (portrait → PNG): a
// portrait is a pure function of its choices, and tests seed the demo
// many times over.
var drawn sync.Map

// Portrait draws the invented portrait of a counsellor id as a PNG: an
// illustration made of simple shapes (never a photograph of anyone),
// deterministic, with smoothed edges.
func Portrait(id uuid.UUID) ([]byte, error) {
	p := newPortrait(id)
	if b, ok := drawn.Load(p); ok {
		return bytes.Clone(b.([]byte)), nil
	}
	const n = PortraitSide
	// The colour at each pixel corner; a pixel whose four corners agree is
	// that colour, one on an edge is the mean of four samples inside it.
	corner := make([]color.RGBA, (n+1)*(n+1))
	for y := range n + 1 {
		for x := range n + 1 {
			corner[y*(n+1)+x] = p.at(float64(x)/n, float64(y)/n)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for py := range n {
		for px := range n {
			c := corner[py*(n+1)+px]
			if c == corner[py*(n+1)+px+1] && c == corner[(py+1)*(n+1)+px] && c == corner[(py+1)*(n+1)+px+1] {
				img.SetRGBA(px, py, c)
				continue
			}
			var r, g, b int
			for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				s := p.at((float64(px)+o[0])/n, (float64(py)+o[1])/n)
				r, g, b = r+int(s.R), g+int(s.G), b+int(s.B)
			}
			img.SetRGBA(px, py, color.RGBA{uint8(r / 4), uint8(g / 4), uint8(b / 4), 0xff})
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("demo: portrait: %w", err)
	}
	drawn.Store(p, bytes.Clone(buf.Bytes()))
	return buf.Bytes(), nil
}
