package split

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// fuzzReader hands out fuzz input a few bytes at a time, zeros once spent.
type fuzzReader struct{ data []byte }

func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// key returns a short key of 0 to 3 bytes over a small alphabet, so that
// keys collide and touch the range bounds.
func (r *fuzzReader) key() []byte {
	n := int(r.byte() % 4)
	key := make([]byte, n)
	for i := range key {
		key[i] = 'a' + r.byte()%4
	}
	return key
}

func (r *fuzzReader) uint16() uint16 {
	return binary.BigEndian.Uint16([]byte{r.byte(), r.byte()})
}

// FuzzDecideSize checks that a size decision never panics, reports invalid
// input as ErrInvalid, and otherwise splits strictly inside the range at a
// key whose left and right bytes are the sums of the samples on each side.
func FuzzDecideSize(f *testing.F) {
	f.Add([]byte("\x01a\x02b\x00\x10\x02\x01c\x00\x20"))
	f.Add([]byte{0, 0, 5, 1, 2, 0, 9, 2, 3, 0, 9, 3, 1, 1, 0, 4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data: data}
		in := SizeInput{Range: Range{Start: r.key()}, SplitSize: int64(r.byte())}
		if r.byte()%2 == 0 {
			in.Range.End = r.key()
		}
		for n := int(r.byte() % 16); n > 0; n-- {
			in.Samples = append(in.Samples, SizeSample{Key: r.key(), Bytes: int64(r.uint16()) - 16})
		}
		if r.byte()%8 == 0 {
			in.Samples = append(in.Samples, SizeSample{Key: r.key(), Bytes: math.MaxInt64 - int64(r.byte())})
		}
		d, err := DecideSize(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if d.Detail == "" || d.Reason == 0 {
			t.Fatalf("decision without a reason: %+v", d)
		}
		if !d.Split {
			if d.Key != nil {
				t.Fatalf("no split but key %x", d.Key)
			}
			return
		}
		if bytes.Compare(d.Key, in.Range.Start) <= 0 || (in.Range.End != nil && bytes.Compare(d.Key, in.Range.End) >= 0) {
			t.Fatalf("split key %x outside (%x, %x)", d.Key, in.Range.Start, in.Range.End)
		}
		var left, right int64
		for _, s := range in.Samples {
			if bytes.Compare(s.Key, d.Key) < 0 {
				left += s.Bytes
			} else {
				right += s.Bytes
			}
		}
		if float64(left) != d.Left || float64(right) != d.Right || left == 0 || right == 0 {
			t.Fatalf("split at %x: figures %v/%v, samples %d/%d", d.Key, d.Left, d.Right, left, right)
		}
	})
}

// FuzzDecideConsumption records fuzz-chosen accesses into a small sampler
// and decides under a fuzz-chosen policy and range: no panic, invalid input
// reported as ErrInvalid, and a split key strictly inside the range with
// load on both sides.
func FuzzDecideConsumption(f *testing.F) {
	f.Add([]byte("\x03\x01a\x02b\x05\x10\x02\x01c\x00\x20\x01\x01\x01\x01"))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 200, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data: data}
		s, err := NewSampler(Options{HalfLife: time.Duration(1+r.byte()) * time.Second, Samples: 1 + int(r.byte()%16), Seed: uint64(r.byte())}, epoch)
		if err != nil {
			t.Fatal(err)
		}
		rng := Range{Start: r.key()}
		if r.byte()%2 == 0 {
			rng.End = r.key()
		}
		policy := Policy{
			Threshold:       float64(r.byte()) / 200,
			HotKeyShare:     float64(r.byte()) / 200,
			SequentialShare: float64(r.byte()) / 200,
			WalkShare:       float64(r.byte()) / 200,
			MinSamples:      int(r.byte() % 8),
		}
		for n := int(r.byte()); n > 0 && len(r.data) > 0; n-- {
			key, units := r.key(), float64(r.byte())/8
			at := epoch.Add(time.Duration(r.uint16()) * 10 * time.Millisecond)
			if r.byte()%2 == 0 {
				s.RecordRead(key, units, at)
			} else {
				s.RecordWrite(key, units, at)
			}
		}
		in := ConsumptionInput{
			Range:  rng,
			Load:   s.Load(epoch.Add(time.Duration(r.uint16()) * 10 * time.Millisecond)),
			Reads:  Consumption{Consumed: float64(r.byte()), Limit: float64(r.byte()), For: time.Hour},
			Writes: Consumption{Consumed: float64(r.byte()), Limit: float64(r.byte()), For: time.Hour},
		}
		d, err := DecideConsumption(in, policy)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if d.Detail == "" || d.Reason == 0 {
			t.Fatalf("decision without a reason: %+v", d)
		}
		if !d.Split {
			if d.Key != nil {
				t.Fatalf("no split but key %x", d.Key)
			}
			return
		}
		if bytes.Compare(d.Key, rng.Start) <= 0 || (rng.End != nil && bytes.Compare(d.Key, rng.End) >= 0) {
			t.Fatalf("split key %x outside (%x, %x)", d.Key, rng.Start, rng.End)
		}
		if !(d.Left > 0 && d.Right > 0) {
			t.Fatalf("split at %x with load %v left, %v right", d.Key, d.Left, d.Right)
		}
	})
}
