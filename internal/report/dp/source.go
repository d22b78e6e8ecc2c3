package dp

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"math/bits"
)

// Source gives uniformly random 64-bit words. It is the only randomness
// the sampler consumes, so the sampler is exactly as good as its Source.
// A *math/rand/v2.ChaCha8 satisfies it, which is what tests use for
// reproducible runs.
type Source interface{ Uint64() uint64 }

// cryptoBufSize is how many bytes CryptoSource reads from crypto/rand at a
// time, to amortise the cost of the call over 64 words.
const cryptoBufSize = 512

// cryptoSource buffers crypto/rand output and hands it out in words.
type cryptoSource struct {
	buf [cryptoBufSize]byte
	off int // next unread byte in buf; len(buf) means empty
}

// CryptoSource returns a Source backed by crypto/rand, for noise that is
// actually published. It reads 512 bytes at a time and serves words from
// that buffer, so it is much cheaper per word than calling crypto/rand
// directly.
//
// The returned Source is NOT safe for concurrent use: give each goroutine
// its own. It panics only if crypto/rand returns an error, which Go 1.24
// and later document as never happening (the runtime aborts instead).
func CryptoSource() Source {
	return &cryptoSource{off: cryptoBufSize}
}

// Uint64 returns the next 8 buffered bytes, refilling the buffer when it
// runs out.
func (c *cryptoSource) Uint64() uint64 {
	if c.off+8 > len(c.buf) {
		if _, err := rand.Read(c.buf[:]); err != nil {
			panic("dp: crypto/rand failed: " + err.Error())
		}
		c.off = 0
	}
	w := binary.LittleEndian.Uint64(c.buf[c.off:])
	c.off += 8
	return w
}

// uniformUint64 returns a uniform integer in [0, n) without bias, by
// Lemire's multiply-and-reject method ("Fast Random Integer Generation in
// an Interval", 2019): the high word of w·n is uniform once the low words
// that would over-represent some outputs are rejected. It panics if n is
// zero.
func uniformUint64(src Source, n uint64) uint64 {
	if n == 0 {
		panic("dp: uniform integer in an empty range")
	}
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		// 2⁶⁴ mod n low words are surplus; reject them.
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// uniformBig returns a uniform integer in [0, n) without bias, by drawing
// n.BitLen() random bits and rejecting values ≥ n (each try succeeds with
// probability more than 1/2). It panics unless n > 0.
func uniformBig(src Source, n *big.Int) *big.Int {
	if n.Sign() <= 0 {
		panic("dp: uniform integer in an empty range")
	}
	nbits := n.BitLen()
	words := make([]big.Word, (nbits+bits.UintSize-1)/bits.UintSize)
	// Bits kept in the top word; the rest must be masked off.
	topBits := nbits - (len(words)-1)*bits.UintSize
	z := new(big.Int)
	for {
		for i := range words {
			// On 32-bit platforms this keeps the low half of the word,
			// which is just as uniform.
			words[i] = big.Word(src.Uint64())
		}
		if topBits < bits.UintSize {
			words[len(words)-1] &= big.Word(1)<<uint(topBits) - 1
		}
		z.SetBits(words)
		if z.Cmp(n) < 0 {
			return z
		}
	}
}
