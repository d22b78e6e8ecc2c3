package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/report"
)

// The stored encodings. Each starts with a version byte so that a later
// format can be told apart; none holds a name or free text.
const (
	activityV1 = 1
	guardV1    = 1
	snapshotV1 = 1
)

var errCorrupt = errors.New("report store: corrupt encoding")

// themeIndex maps a booking theme to its index in report.Themes.
var themeIndex = func() map[string]byte {
	m := map[string]byte{}
	for i, t := range report.Themes {
		m[t] = byte(i)
	}
	return m
}()

// encodeActivity packs one month's activity rows: per row the employee id
// (16 bytes), the theme's index in report.Themes, the counts as uvarints,
// the risk band and the observation bits. Rows of unknown themes (which
// no report counts) are left out; the returned count is the rows kept.
func encodeActivity(rows []report.Activity) ([]byte, int) {
	b := make([]byte, 1, 1+len(rows)*28)
	b[0] = activityV1
	n := 0
	for _, a := range rows {
		th, ok := themeIndex[a.Theme]
		if !ok || a.Sessions <= 0 {
			continue
		}
		b = append(b, a.Employee[:]...)
		b = append(b, th)
		for _, v := range [...]int{a.Sessions, a.SatSum, a.SatCount, a.WHO5Sum, a.WHO5Count} {
			b = binary.AppendUvarint(b, uint64(max(v, 0)))
		}
		b = append(b, byte(a.Risk), a.Observations)
		n++
	}
	return b, n
}

// decodeActivity appends the rows of one frozen month to dst, skipping
// employees keep rejects (opted out since, or no longer on the roster).
func decodeActivity(dst []report.Activity, month report.Month, b []byte, keep func(uuid.UUID) bool) ([]report.Activity, error) {
	if len(b) == 0 || b[0] != activityV1 {
		return dst, errCorrupt
	}
	b = b[1:]
	for len(b) > 0 {
		if len(b) < 17 {
			return dst, errCorrupt
		}
		a := report.Activity{Month: month}
		copy(a.Employee[:], b[:16])
		if int(b[16]) >= len(report.Themes) {
			return dst, errCorrupt
		}
		a.Theme = report.Themes[b[16]]
		b = b[17:]
		var vs [5]int
		for i := range vs {
			v, n := binary.Uvarint(b)
			if n <= 0 || v > math.MaxInt32 {
				return dst, errCorrupt
			}
			vs[i] = int(v)
			b = b[n:]
		}
		if len(b) < 2 {
			return dst, errCorrupt
		}
		a.Sessions, a.SatSum, a.SatCount, a.WHO5Sum, a.WHO5Count = vs[0], vs[1], vs[2], vs[3], vs[4]
		a.Risk, a.Observations = int8(b[0]), b[1]
		b = b[2:]
		if keep(a.Employee) {
			dst = append(dst, a)
		}
	}
	return dst, nil
}

// encodeGuard packs a company's Released set without its key: cell
// labels with their members (8 bytes each, little-endian), facts and
// relations.
func encodeGuard(r *report.Released) []byte {
	total := 0
	for _, c := range r.Cells {
		total += len(c.Members)
	}
	b := make([]byte, 0, 64+total*8+len(r.Cells)*24+len(r.Facts)*40)
	b = append(b, guardV1)
	b = binary.AppendUvarint(b, uint64(len(r.Cells)))
	b = binary.AppendUvarint(b, uint64(total))
	for _, c := range r.Cells {
		b = appendString(b, c.Label)
		b = binary.AppendUvarint(b, uint64(len(c.Members)))
		for _, m := range c.Members {
			b = binary.LittleEndian.AppendUint64(b, m)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(r.Facts)))
	for _, f := range r.Facts {
		b = appendString(b, f.Quantity)
		b = appendBool(b, f.Hidden)
		if f.Hidden {
			b = appendString(b, string(f.Reason))
		}
		b = binary.AppendVarint(b, int64(f.Employees))
		b = binary.AppendVarint(b, int64(f.Sessions))
		b = binary.AppendVarint(b, int64(f.Population))
	}
	b = binary.AppendUvarint(b, uint64(len(r.Relations)))
	for _, rel := range r.Relations {
		b = appendString(b, rel.Total)
		b = appendBool(b, rel.Exact)
		b = binary.AppendUvarint(b, uint64(len(rel.Parts)))
		for _, p := range rel.Parts {
			b = appendString(b, p)
		}
	}
	return b
}

// decodeGuard reverses encodeGuard; an empty value is an empty history.
// Every member hash lands in one allocation.
func decodeGuard(b []byte) (*report.Released, error) {
	r := &report.Released{}
	if len(b) == 0 {
		return r, nil
	}
	d := &decoder{b: b}
	if d.byte() != guardV1 {
		return nil, errCorrupt
	}
	nCells, total := d.count(), d.count()
	if d.err == nil && total > len(d.b)/8 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	members := make([]uint64, total)
	r.Cells = make([]report.Fingerprint, 0, nCells)
	for range nCells {
		c := report.Fingerprint{Label: d.string()}
		n := d.count()
		if d.err != nil || n > len(members) || len(d.b) < 8*n {
			return nil, errCorrupt
		}
		c.Members = members[:n:n]
		members = members[n:]
		for i := range n {
			c.Members[i] = binary.LittleEndian.Uint64(d.b[8*i:])
		}
		d.b = d.b[8*n:]
		r.Cells = append(r.Cells, c)
	}
	nFacts := d.count()
	if d.err != nil {
		return nil, d.err
	}
	r.Facts = make([]report.Fact, 0, nFacts)
	for range nFacts {
		f := report.Fact{Quantity: d.string(), Hidden: d.bool()}
		if f.Hidden {
			f.Reason = report.Reason(d.string())
		}
		f.Employees, f.Sessions, f.Population = d.int(), d.int(), d.int()
		r.Facts = append(r.Facts, f)
	}
	nRels := d.count()
	if d.err != nil {
		return nil, d.err
	}
	r.Relations = make([]report.Relation, 0, nRels)
	for range nRels {
		rel := report.Relation{Total: d.string(), Exact: d.bool()}
		n := d.count()
		if d.err != nil {
			return nil, d.err
		}
		rel.Parts = make([]string, n)
		for i := range rel.Parts {
			rel.Parts[i] = d.string()
		}
		r.Relations = append(r.Relations, rel)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// decoder reads encodeGuard's values, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bool() bool { return d.byte() == 1 }

// count reads a length; each counted item takes at least one byte, so
// a count above the bytes left is corrupt (and allocates nothing).
func (d *decoder) count() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)) { // every counted item takes a byte at least
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) int() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || v > math.MaxInt32 || v < math.MinInt32 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) string() string {
	n := d.count()
	if d.err != nil || n > len(d.b) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// snapCell is a Cell as stored in a snapshot: gob cannot tell a nil
// pointer from a pointer to zero, so the averages carry their own flags.
type snapCell struct {
	Keys                    []string
	Employees, Sessions     int
	Satisfaction, Wellbeing float64
	HasSat, HasWellbeing    bool
	Suppressed              bool
	Reason                  report.Reason
	Risk, Observations      []report.Category
}

type snapReport struct {
	Report
	Cells []snapCell
	Total snapCell
}

func toSnap(c report.Cell) snapCell {
	s := snapCell{Keys: c.Keys, Employees: c.Employees, Sessions: c.Sessions, Suppressed: c.Suppressed,
		Reason: c.Reason, Risk: c.Risk, Observations: c.Observations}
	if c.SatisfactionAvg != nil {
		s.Satisfaction, s.HasSat = *c.SatisfactionAvg, true
	}
	if c.WellbeingAvg != nil {
		s.Wellbeing, s.HasWellbeing = *c.WellbeingAvg, true
	}
	return s
}

func fromSnap(s snapCell) report.Cell {
	c := report.Cell{Keys: s.Keys, Employees: s.Employees, Sessions: s.Sessions, Suppressed: s.Suppressed,
		Reason: s.Reason, Risk: s.Risk, Observations: s.Observations}
	if s.HasSat {
		v := s.Satisfaction
		c.SatisfactionAvg = &v
	}
	if s.HasWellbeing {
		v := s.Wellbeing
		c.WellbeingAvg = &v
	}
	return c
}

// encodeSnapshot stores a served report: gob, gzipped.
func encodeSnapshot(r *Report) ([]byte, error) {
	sr := snapReport{Report: *r}
	sr.Report.Cells, sr.Report.Total = nil, report.Cell{}
	sr.Cells = make([]snapCell, len(r.Cells))
	for i, c := range r.Cells {
		sr.Cells[i] = toSnap(c)
	}
	sr.Total = toSnap(r.Total)
	var buf bytes.Buffer
	buf.WriteByte(snapshotV1)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := gob.NewEncoder(zw).Encode(&sr); err != nil {
		return nil, fmt.Errorf("report store: encode snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeSnapshot(b []byte) (*Report, error) {
	if len(b) == 0 || b[0] != snapshotV1 {
		return nil, errCorrupt
	}
	zr, err := gzip.NewReader(bytes.NewReader(b[1:]))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	var sr snapReport
	if err := gob.NewDecoder(zr).Decode(&sr); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	r := sr.Report
	r.Cells = make([]report.Cell, len(sr.Cells))
	for i, c := range sr.Cells {
		r.Cells[i] = fromSnap(c)
	}
	r.Total = fromSnap(sr.Total)
	return &r, nil
}
