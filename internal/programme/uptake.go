package programme

// Count is one published number of an open programme's uptake: Value is
// nil when suppressed (then Suppressed is true and FewerThan says "fewer
// than N", or that it is withheld so another number cannot be derived).
type Count struct {
	Value      *int `json:"value"`
	Suppressed bool `json:"suppressed"`
}

// Uptake is what HR sees of an open programme: counts of distinct
// employees, never who.
type Uptake struct {
	MinGroup int `json:"min_group"`
	// Invited employees.
	Invited Count `json:"invited"`
	// Joined employees.
	Joined Count `json:"joined"`
	// HeldEmployees: employees with at least one held step.
	HeldEmployees Count `json:"held_employees"`
	// HeldSteps: held steps, published only with HeldEmployees.
	HeldSteps Count `json:"held_steps"`
}

func shown(v int) Count      { return Count{Value: &v} }
func suppressedCount() Count { return Count{Suppressed: true} }

// Suppress publishes raw counts under DEID-1 (docs/programmes.md): each
// number only when it counts at least minGroup distinct employees, and a
// part (joined, held) only when the rest of the invited group (invited −
// part) is also at least minGroup — so neither "everyone joined" nor "all
// but two joined" can be read, and the non-joiners can never be derived
// by subtraction. Held steps stand or fall with held employees.
func Suppress(minGroup, invited, joined, heldEmployees, heldSteps int) Uptake {
	u := Uptake{MinGroup: minGroup, Invited: suppressedCount(), Joined: suppressedCount(),
		HeldEmployees: suppressedCount(), HeldSteps: suppressedCount()}
	if invited >= minGroup {
		u.Invited = shown(invited)
	}
	part := func(n int) bool { return u.Invited.Value != nil && n >= minGroup && invited-n >= minGroup }
	if part(joined) {
		u.Joined = shown(joined)
	}
	if part(heldEmployees) {
		u.HeldEmployees = shown(heldEmployees)
		u.HeldSteps = shown(heldSteps)
	}
	return u
}
