package wal

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/wal/vfs"
)

// Defaults used for zero Options fields.
const (
	DefaultSegmentSize = 64 << 20
	DefaultCacheSize   = 32 << 20
	// MaxSegmentSize bounds SegmentSize so that offsets fit in 32 bits.
	MaxSegmentSize = 1 << 30
	// maxFrameSize bounds one Save, so that offsets fit in 32 bits.
	maxFrameSize = 1 << 30
)

// Options configure a WAL. The zero value (or a nil *Options) is the default.
type Options struct {
	// SegmentSize is the size at which the log moves on to a new segment
	// file; zero means DefaultSegmentSize (64 MiB). A single Save larger than
	// this still goes into one segment. At most MaxSegmentSize.
	SegmentSize int64
	// CacheSize bounds the bytes of recently saved entries kept in memory to
	// serve reads without the disk, counting each entry's data plus a fixed
	// overhead; zero means DefaultCacheSize (32 MiB), a negative value turns
	// the cache off.
	CacheSize int64
	// FS is the file system; nil means the operating system's (vfs.Default).
	FS vfs.FS
}

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o *Options) withDefaults() (Options, error) {
	var out Options
	if o != nil {
		out = *o
	}
	switch {
	case out.SegmentSize == 0:
		out.SegmentSize = DefaultSegmentSize
	case out.SegmentSize < 0 || out.SegmentSize > MaxSegmentSize:
		return out, fmt.Errorf("wal: SegmentSize %d is outside (0, %d]", out.SegmentSize, MaxSegmentSize)
	}
	if out.CacheSize == 0 {
		out.CacheSize = DefaultCacheSize
	}
	if out.FS == nil {
		out.FS = vfs.Default
	}
	return out, nil
}
