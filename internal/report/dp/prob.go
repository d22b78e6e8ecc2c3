package dp

import "math"

// Prob returns the probability mass of N_Z(0, σ²) at x in float64:
// exp(−x²/(2σ²)) divided by the normaliser Σ_k exp(−k²/(2σ²)). It exists
// for tests and for documentation and accounting (for instance to state
// the chance that noise exceeds some bound). It is never used to sample:
// sampling is exact and uses no floating point. It returns NaN unless σ²
// is positive and finite.
func Prob(sigma2 float64, x int64) float64 {
	if !(sigma2 > 0) || math.IsInf(sigma2, 1) {
		return math.NaN()
	}
	return newMass(sigma2).at(x)
}

// directSumLimit is the largest σ² whose normaliser is summed term by
// term. Beyond it (σ > 10⁵) the sum would take millions of terms, and the
// Poisson summation form √(2πσ²)·(1 + 2Σ_k exp(−2π²σ²k²)) equals √(2πσ²)
// to far below float64 precision.
const directSumLimit = 1e10

// mass is the discrete Gaussian mass function with its normaliser
// computed once, so that tests can evaluate many points cheaply.
type mass struct {
	sigma2 float64
	norm   float64 // Σ_{k ∈ Z} exp(−k²/(2σ²))
}

// newMass computes the normaliser for σ² > 0: the terms for
// |k| ≤ 40σ + 40, stopping early once they underflow to zero, added with
// Neumaier's compensated summation.
func newMass(sigma2 float64) mass {
	if sigma2 > directSumLimit {
		return mass{sigma2: sigma2, norm: math.Sqrt(2 * math.Pi * sigma2)}
	}
	limit := 40*math.Sqrt(sigma2) + 40
	var sum, comp float64
	for k := 1.0; k <= limit; k++ {
		term := math.Exp(-k * k / (2 * sigma2))
		if term == 0 {
			break
		}
		s := sum + term
		if math.Abs(sum) >= term {
			comp += (sum - s) + term
		} else {
			comp += (term - s) + sum
		}
		sum = s
	}
	return mass{sigma2: sigma2, norm: 1 + 2*(sum+comp)}
}

// at returns the mass at x.
func (m mass) at(x int64) float64 {
	fx := float64(x)
	return math.Exp(-fx*fx/(2*m.sigma2)) / m.norm
}
