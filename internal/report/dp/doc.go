// Package dp holds the differential-privacy primitives behind monthly
// report releases: an exact sampler of the discrete Gaussian distribution
// and the zero-concentrated DP (zCDP) arithmetic that turns a noise scale
// into a stated privacy guarantee.
//
// # Sampling
//
// Gaussian draws from the discrete Gaussian N_Z(0, σ²), whose mass at an
// integer x is proportional to exp(−x²/(2σ²)), following Canonne, Kamath
// and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS
// 2020), Algorithm 1 and its discrete Laplace subroutine (Algorithm 2).
// The variance σ² is an exact rational and every step of the sampler uses
// integer or rational arithmetic only: uniform integers drawn by
// rejection, Bernoulli trials with rational probabilities, and
// Bernoulli(exp(−γ)) trials built from those. There is no floating point
// in the sampling path, so the output distribution is exactly N_Z(0, σ²)
// given a uniform Source, with none of the rounding artefacts that make
// floating-point samplers leak (Mironov 2012).
//
// Arithmetic runs in uint64 with overflow-checked multiplication
// (math/bits) and falls back to math/big whenever an intermediate value
// would not fit, so the result does not depend on which path ran.
//
// A Gaussian is immutable after NewGaussian and may be shared by
// goroutines; each goroutine needs its own Source. CryptoSource is the
// source for real releases; tests use a seeded math/rand/v2 ChaCha8.
//
// # Accounting
//
// Adding N_Z(0, σ²) to a query of L2 sensitivity Δ satisfies ρ-zCDP with
// ρ = Δ²/(2σ²) (Rho; Sigma2For is the inverse). zCDP composes by
// addition: releasing several noisy queries over the same data costs the
// sum of their ρ values. Epsilon converts ρ to the (ε, δ)-DP statement
// printed on a release, using the conversion of Canonne, Kamath and
// Steinke 2020, which is tighter than the classic EpsilonSimple bound of
// Bun and Steinke 2016. TPRBound states what that (ε, δ) means for an
// attacker: the highest true-positive rate any membership test can reach
// at a given false-positive rate, which privacy audits compare against.
//
// The accounting functions and Prob use float64: they produce numbers to
// report and to test against, never samples.
package dp
