package wal

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (errors.Is) by every *CorruptError.
var ErrCorrupt = errors.New("wal: corrupt")

// ErrFailed is matched by the errors of writes refused because an earlier
// write or sync failed; the error also wraps that first failure.
var ErrFailed = errors.New("wal: failed earlier, refusing writes")

// CorruptError reports data on disk that is not a torn tail: the log cannot
// be trusted past it and is not opened.
type CorruptError struct {
	// Segment is the path of the segment file.
	Segment string
	// Offset is the byte offset in the segment of the bad frame or entry.
	Offset int64
	// Reason says what is wrong.
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("wal: corrupt segment %s at offset %d: %s", e.Segment, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// failedError is returned for writes after a failure.
type failedError struct{ cause error }

func (e *failedError) Error() string {
	return "wal: failed earlier, refusing writes: " + e.cause.Error()
}

func (e *failedError) Is(target error) bool { return target == ErrFailed }

func (e *failedError) Unwrap() error { return e.cause }
