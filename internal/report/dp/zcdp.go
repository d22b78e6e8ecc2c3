package dp

import "math"

// Rho returns the zero-concentrated DP parameter ρ = Δ²/(2σ²) of adding
// N_Z(0, σ²) noise to a query of L2 sensitivity Δ (Canonne, Kamath and
// Steinke 2020, Theorem 4), the per-query privacy cost a release adds up.
// Under zCDP, composition is addition: k such queries on the same data
// cost ρ₁ + … + ρ_k. It returns NaN for negative or NaN inputs.
func Rho(sensitivity, sigma2 float64) float64 {
	if !(sensitivity >= 0) || !(sigma2 >= 0) {
		return math.NaN()
	}
	if sensitivity == 0 {
		return 0
	}
	return sensitivity * sensitivity / (2 * sigma2)
}

// Sigma2For returns the noise variance σ² = Δ²/(2ρ) that makes a query of
// L2 sensitivity Δ cost exactly ρ, the inverse of Rho, for choosing the
// noise from a privacy budget. It returns NaN for negative or NaN inputs.
func Sigma2For(sensitivity, rho float64) float64 {
	if !(sensitivity >= 0) || !(rho >= 0) {
		return math.NaN()
	}
	if sensitivity == 0 {
		return 0
	}
	return sensitivity * sensitivity / (2 * rho)
}

// EpsilonSimple returns ρ + 2√(ρ·ln(1/δ)), the (ε, δ)-DP guarantee of
// ρ-zCDP by Bun and Steinke 2016 (Proposition 1.3). It is kept to show in
// documentation how much Epsilon gains over it; it returns NaN for
// invalid inputs and 0 for ρ = 0 or δ ≥ 1.
func EpsilonSimple(rho, delta float64) float64 {
	if !(rho >= 0) || !(delta >= 0) {
		return math.NaN()
	}
	if rho == 0 || delta >= 1 {
		return 0
	}
	return rho + 2*math.Sqrt(rho*math.Log(1/delta))
}

// Epsilon returns the ε for which ρ-zCDP implies (ε, δ)-DP, the number a
// release states. It uses the conversion of Canonne, Kamath and Steinke
// 2020 (Corollary 13): for every α > 1, ρ-zCDP gives (ε(α), δ)-DP with
//
//	ε(α) = αρ + (ln(1/δ) − ln(α−1) + α·ln(1 − 1/α)) / (α − 1),
//
// and Epsilon minimises ε(α) numerically, on a log-spaced grid of α − 1
// refined by golden-section search. The result is never more than
// EpsilonSimple and never negative. It returns 0 for ρ = 0 or δ ≥ 1, +Inf
// for δ = 0 or ρ = +Inf, and NaN for negative or NaN inputs.
func Epsilon(rho, delta float64) float64 {
	switch {
	case !(rho >= 0) || !(delta >= 0):
		return math.NaN()
	case rho == 0 || delta >= 1:
		return 0
	case delta == 0 || math.IsInf(rho, 1):
		return math.Inf(1)
	}
	eps := min(minimiseEpsilon(rho, delta), EpsilonSimple(rho, delta))
	return max(eps, 0)
}

// Grid of u = log10(α − 1) searched by minimiseEpsilon. The optimum is
// near α ≈ 1 + √(ln(1/δ)/ρ), inside this range for all practical ρ and δ.
const (
	gridLow  = -6.0
	gridHigh = 10.0
	gridStep = 0.05
)

// minimiseEpsilon returns min over α > 1 of epsilonAt: the best grid point
// of log10(α − 1), then golden-section search between its neighbours.
func minimiseEpsilon(rho, delta float64) float64 {
	f := func(u float64) float64 { return epsilonAt(rho, delta, 1+math.Pow(10, u)) }
	bestU, best := gridLow, f(gridLow)
	for u := gridLow + gridStep; u <= gridHigh; u += gridStep {
		if v := f(u); v < best {
			bestU, best = u, v
		}
	}
	lo, hi := bestU-gridStep, bestU+gridStep
	invPhi := (math.Sqrt(5) - 1) / 2
	c, d := hi-invPhi*(hi-lo), lo+invPhi*(hi-lo)
	fc, fd := f(c), f(d)
	for range 80 {
		if fc < fd {
			hi, d, fd = d, c, fc
			c = hi - invPhi*(hi-lo)
			fc = f(c)
		} else {
			lo, c, fc = c, d, fd
			d = lo + invPhi*(hi-lo)
			fd = f(d)
		}
	}
	return min(best, fc, fd)
}

// epsilonAt returns ε(α) of the CKS 2020 conversion for one order α > 1.
func epsilonAt(rho, delta, alpha float64) float64 {
	am1 := alpha - 1
	return alpha*rho + (-math.Log(delta)-math.Log(am1)+alpha*math.Log1p(-1/alpha))/am1
}

// TPRBound returns the highest true-positive rate any test can reach at
// false-positive rate fpr against an (ε, δ)-DP mechanism:
// min(1, e^ε·fpr + δ, 1 − e^(−ε)·(1 − δ − fpr)), the boundary of the
// hypothesis-testing region of Kairouz, Oh and Viswanath 2015. Privacy
// audits compare the membership attacks they run against it. fpr is
// clamped to [0, 1]; it returns NaN for negative ε or δ outside [0, 1].
func TPRBound(epsilon, delta, fpr float64) float64 {
	if !(epsilon >= 0) || !(delta >= 0 && delta <= 1) || math.IsNaN(fpr) {
		return math.NaN()
	}
	fpr = min(max(fpr, 0), 1)
	return min(1, math.Exp(epsilon)*fpr+delta, 1-math.Exp(-epsilon)*(1-delta-fpr))
}
