package number

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestIsCanonical(t *testing.T) {
	for text, want := range map[string]bool{
		"0": true, "1": true, "-1": true, "10": true, "0.5": true, "-0.25": true, "123.456": true,
		"": false, "-": false, "-0": false, "00": false, "01": false, "1.": false, ".5": false,
		"1.50": false, "1e5": false, "+1": false, "1.2.3": false, "0.0": false, " 1": false,
	} {
		require.Equal(t, want, isCanonical(text), "isCanonical(%q)", text)
	}
}

// TestCompareFastPathAgreesWithDecimals checks the text comparison of
// canonical numbers against apd on seeded random numbers, many of them close.
func TestCompareFastPathAgreesWithDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	random := func() string {
		digits := rng.IntN(12) + 1
		text := ""
		for i := 0; i < digits; i++ {
			text += strconv.Itoa(rng.IntN(10))
		}
		exp := rng.IntN(30) - 15
		text += "E" + strconv.Itoa(exp)
		if rng.IntN(2) == 0 {
			text = "-" + text
		}
		c, err := Canonical(text)
		require.NoError(t, err)
		return c
	}
	for i := 0; i < 20000; i++ {
		a, b := random(), random()
		if i%5 == 0 {
			b = a
		}
		require.True(t, isCanonical(a), a)
		x, err := Parse(a)
		require.NoError(t, err)
		y, err := Parse(b)
		require.NoError(t, err)
		require.Equal(t, x.Cmp(y), compareCanonical(a, b), "%s vs %s", a, b)
	}
}

func BenchmarkCompareCanonical(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if c, _ := Compare("-123.456", "-123.4567"); c != 1 {
			b.Fatal(c)
		}
	}
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
