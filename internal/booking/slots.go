package booking

import (
	"sort"
	"sync"
	"time"
)

// Interval is a busy span of a counsellor's time: a booked session from its
// start to the end of its buffer (blocked_until).
type Interval struct {
	Start time.Time
	End   time.Time
}

// dayMinute is a wall-clock time of day in minutes from midnight; 24*60 is the
// end of the day ("24:00").
type dayMinute int

// span is a range of a local day, [from, to) in minutes.
type span struct{ from, to dayMinute }

// zones caches loaded locations: LoadLocation reads the zone database.
var zones sync.Map // string → *time.Location

// loadZone returns the IANA zone name's location; "" and "Local" are
// refused, so a schedule never depends on the server's own zone.
func loadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, errBadZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// ComputeSlots is the pure slot rule: the free slots of a schedule a that
// start in [from, to), given the counsellor's busy intervals and the time
// now. Ranges are expanded day by day in the counsellor's zone with
// time.Date, so a 09:00–12:00 range stays 09:00–12:00 local time on a
// daylight-saving switch day; a local time that does not exist (a spring
// gap) moves forward as time.Date normalises it. Each range is cut into
// slot_minutes steps separated by buffer_minutes. A slot is dropped when
// it (with its buffer) overlaps a busy interval, starts before now plus
// the minimum notice or at or after now plus the horizon, or falls on a
// local day that already holds max_per_day sessions (each busy interval
// starting that day counts as one). Ranges never cross midnight: a night
// range is two ranges, one ending 24:00 and one starting 00:00.
//
// An invalid zone yields no slots; SetAvailability refuses one anyway.
func ComputeSlots(a Availability, busy []Interval, from, to, now time.Time) []Slot {
	loc, err := loadZone(a.Timezone)
	if err != nil || a.SlotMinutes <= 0 || !from.Before(to) {
		return nil
	}
	earliest := now.Add(time.Duration(a.MinNoticeMinutes) * time.Minute)
	if earliest.After(from) {
		from = earliest
	}
	if latest := now.Add(time.Duration(a.HorizonDays) * 24 * time.Hour); latest.Before(to) {
		to = latest
	}
	if !from.Before(to) {
		return nil
	}
	busy = sortedBusy(busy)
	weekly, overrides := parseSchedule(a)
	slot := time.Duration(a.SlotMinutes) * time.Minute
	buffer := time.Duration(a.BufferMinutes) * time.Minute

	var out []Slot
	lf := from.In(loc)
	day := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc)
	for ; day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		if a.MaxPerDay > 0 && countStarting(busy, day, next) >= a.MaxPerDay {
			continue
		}
		for _, r := range daySpans(weekly, overrides, day) {
			start := at(day, r.from, loc)
			end := at(day, r.to, loc)
			for t := start; !t.Add(slot).After(end); t = t.Add(slot + buffer) {
				if t.Before(from) || !t.Before(to) {
					continue
				}
				if overlapsAny(busy, t, t.Add(slot+buffer)) {
					continue
				}
				out = append(out, Slot{Start: t.UTC(), End: t.Add(slot).UTC()})
			}
		}
	}
	return out
}

// at is the instant of a wall-clock time on a local day.
func at(day time.Time, c dayMinute, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(c)/60, int(c)%60, 0, 0, loc)
}

func sortedBusy(busy []Interval) []Interval {
	if sort.SliceIsSorted(busy, func(i, j int) bool { return busy[i].Start.Before(busy[j].Start) }) {
		return busy
	}
	b := append([]Interval(nil), busy...)
	sort.Slice(b, func(i, j int) bool { return b[i].Start.Before(b[j].Start) })
	return b
}

// countStarting counts busy intervals (sorted) that start in [from, to).
func countStarting(busy []Interval, from, to time.Time) int {
	i := sort.Search(len(busy), func(i int) bool { return !busy[i].Start.Before(from) })
	n := 0
	for ; i < len(busy) && busy[i].Start.Before(to); i++ {
		n++
	}
	return n
}

// overlapsAny reports whether [s, e) overlaps a busy interval (sorted by
// start; intervals may nest, so every one starting before e is checked).
func overlapsAny(busy []Interval, s, e time.Time) bool {
	for _, b := range busy {
		if !b.Start.Before(e) {
			return false
		}
		if b.End.After(s) {
			return true
		}
	}
	return false
}

// overrideSpans are one date's overrides, parsed.
type overrideSpans struct {
	dayOff bool
	add    []span
	remove []span
}

// parseSchedule parses the weekly ranges (by ISO weekday) and overrides (by
// date); malformed entries, which validation refuses, are skipped.
func parseSchedule(a Availability) (weekly [8][]span, overrides map[string]*overrideSpans) {
	for _, w := range a.Weekly {
		s, ok := parseSpan(w.Start, w.End)
		if ok && w.Weekday >= 1 && w.Weekday <= 7 {
			weekly[w.Weekday] = append(weekly[w.Weekday], s)
		}
	}
	for i := range weekly {
		weekly[i] = mergeSpans(weekly[i])
	}
	overrides = map[string]*overrideSpans{}
	for _, o := range a.Overrides {
		d := overrides[o.Date]
		if d == nil {
			d = &overrideSpans{}
			overrides[o.Date] = d
		}
		if o.Start == nil || o.End == nil {
			if !o.Available {
				d.dayOff = true
			}
			continue
		}
		s, ok := parseSpan(*o.Start, *o.End)
		switch {
		case !ok:
		case o.Available:
			d.add = append(d.add, s)
		default:
			d.remove = append(d.remove, s)
		}
	}
	return weekly, overrides
}

// daySpans is a local day's bookable ranges: the weekday's ranges, unless
// the date is a day off, minus blocked hours, plus extra hours; sorted and
// merged.
func daySpans(weekly [8][]span, overrides map[string]*overrideSpans, day time.Time) []span {
	wd := int(day.Weekday())
	if wd == 0 {
		wd = 7
	}
	o := overrides[day.Format(time.DateOnly)]
	if o == nil {
		return weekly[wd]
	}
	var spans []span
	if !o.dayOff {
		spans = append(spans, weekly[wd]...)
	}
	spans = append(spans, o.add...)
	spans = mergeSpans(spans)
	for _, r := range o.remove {
		spans = subtract(spans, r)
	}
	return spans
}

func mergeSpans(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	out := []span{spans[0]}
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.from <= last.to {
			last.to = max(last.to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

func subtract(spans []span, r span) []span {
	var out []span
	for _, s := range spans {
		if r.to <= s.from || r.from >= s.to {
			out = append(out, s)
			continue
		}
		if s.from < r.from {
			out = append(out, span{s.from, r.from})
		}
		if r.to < s.to {
			out = append(out, span{r.to, s.to})
		}
	}
	return out
}

// parseClock reads "HH:MM" (00:00–24:00).
func parseClock(s string) (dayMinute, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := 0, 0
	for _, c := range s[:2] {
		if c < '0' || c > '9' {
			return 0, false
		}
		h = h*10 + int(c-'0')
	}
	for _, c := range s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		m = m*10 + int(c-'0')
	}
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return dayMinute(h*60 + m), true
}

func parseSpan(start, end string) (span, bool) {
	s, ok1 := parseClock(start)
	e, ok2 := parseClock(end)
	if !ok1 || !ok2 || s >= e {
		return span{}, false
	}
	return span{s, e}, true
}

// String is the time of day as "HH:MM".
func (c dayMinute) String() string {
	return string([]byte{byte('0' + c/600), byte('0' + c/60%10), ':', byte('0' + c%60/10), byte('0' + c%10)})
}
