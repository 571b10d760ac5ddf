package split

import "errors"

// ErrInvalid reports input a decision or the Sampler cannot use: a bad
// option or policy value, a range whose start is not below its end, size
// samples out of order or outside the range. It is wrapped with the detail;
// match it with errors.Is.
var ErrInvalid = errors.New("split: invalid input")
