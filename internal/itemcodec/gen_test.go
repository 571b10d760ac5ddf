package itemcodec

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// byteSource hands out bytes from a fuzz input, then zeros, so any input
// describes some item.
type byteSource struct {
	data []byte
}

func (s *byteSource) next() byte {
	if len(s.data) == 0 {
		return 0
	}
	c := s.data[0]
	s.data = s.data[1:]
	return c
}

func (s *byteSource) intn(n int) int { return int(s.next()) % n }

func (s *byteSource) str() string {
	n := s.intn(6)
	var sb strings.Builder
	for range n {
		sb.WriteByte(s.next())
	}
	return sb.String()
}

// numberTexts mixes canonical, non-canonical and non-numeric texts: the codec
// must keep each exactly.
var numberTexts = []string{"0", "1", "-1", "1.0", "0.001", "-12.50", "1E+10", "6.02e23",
	"12345678901234567890123456789012345678", "-0", "+5", ".5", "NaN", "", " 1", "1_000"}

// value builds a value of bounded size from the source; level is the value's
// nesting level.
func (s *byteSource) value(level int) attr.Value {
	kind := s.intn(11)
	if level >= MaxDepth && (kind == 6 || kind == 7) {
		kind = 0
	}
	switch kind {
	case 0:
		return attr.S(s.str())
	case 1:
		return attr.N(numberTexts[s.intn(len(numberTexts))])
	case 2:
		return attr.B([]byte(s.str()))
	case 3:
		return attr.Bool(s.next()&1 == 1)
	case 4:
		return attr.Null()
	case 5:
		return attr.N(strconv.Itoa(int(int8(s.next()))) + "." + strconv.Itoa(int(s.next())))
	case 6:
		m := map[string]attr.Value{}
		for range s.intn(4) {
			m[s.str()] = s.value(level + 1)
		}
		return attr.M(m)
	case 7:
		var elems []attr.Value
		for range s.intn(4) {
			elems = append(elems, s.value(level+1))
		}
		return attr.L(elems...)
	case 8:
		var ss []string
		for range s.intn(4) {
			ss = append(ss, s.str())
		}
		return attr.SS(ss...)
	case 9:
		var ns []string
		for range s.intn(4) {
			ns = append(ns, numberTexts[s.intn(len(numberTexts))])
		}
		return attr.NS(ns...)
	default:
		var bs [][]byte
		for range s.intn(4) {
			bs = append(bs, []byte(s.str()))
		}
		return attr.BS(bs...)
	}
}

func (s *byteSource) item() attr.Item {
	item := attr.Item{}
	for range s.intn(8) {
		item[s.str()] = s.value(1)
	}
	return item
}

// randomItem builds an item from a seeded generator.
func randomItem(r *rand.Rand) attr.Item {
	data := make([]byte, 64+r.IntN(512))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return (&byteSource{data: data}).item()
}

// nest wraps leaf in n containers, alternating maps and lists.
func nest(n int, leaf attr.Value) attr.Value {
	v := leaf
	for i := range n {
		if i%2 == 0 {
			v = attr.M(map[string]attr.Value{"m": v})
		} else {
			v = attr.L(v)
		}
	}
	return v
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
