package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/embeddynamo/dynamo/internal/multiraft"
)

// KV operations.
const (
	OpPut byte = iota + 1
	OpCAS
	OpGet
)

// KVCommand is one command of the simulated key-value state machine.
type KVCommand struct {
	Op    byte
	Key   string
	Value string
	// Old is the value a compare-and-set expects.
	Old string
}

// Encode serialises the command.
func (c KVCommand) Encode() []byte {
	b := []byte{c.Op}
	for _, s := range []string{c.Key, c.Value, c.Old} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// DecodeKVCommand parses a command written by Encode.
func DecodeKVCommand(b []byte) (KVCommand, error) {
	if len(b) == 0 {
		return KVCommand{}, errors.New("sim: empty command")
	}
	c := KVCommand{Op: b[0]}
	b = b[1:]
	var fields [3]string
	for i := range fields {
		n, size := binary.Uvarint(b)
		if size <= 0 || uint64(len(b)-size) < n {
			return KVCommand{}, errors.New("sim: truncated command")
		}
		fields[i] = string(b[size : size+int(n)])
		b = b[size+int(n):]
	}
	c.Key, c.Value, c.Old = fields[0], fields[1], fields[2]
	return c, nil
}

// KVDisk is what a KV state machine keeps across a crash: the state as of
// its last sync.
type KVDisk struct {
	data    map[string]string
	applied uint64
}

// KV is a key-value state machine for simulations. Its applied state is
// made durable (copied to its KVDisk) every SyncEvery applies, so after a
// crash it restarts behind the log, as a storage engine committing without
// sync would. Not safe for concurrent use beyond what multiraft guarantees.
type KV struct {
	disk      *KVDisk
	data      map[string]string
	applied   uint64
	SyncEvery int
	sinceSync int
}

// NewKV opens a state machine on disk (nil: a fresh disk).
func NewKV(disk *KVDisk, syncEvery int) *KV {
	if disk == nil {
		disk = &KVDisk{data: map[string]string{}}
	}
	return &KV{disk: disk, data: maps.Clone(disk.data), applied: disk.applied, SyncEvery: max(syncEvery, 1)}
}

// Disk returns the durable half, to reopen after a crash.
func (kv *KV) Disk() *KVDisk { return kv.disk }

// Get returns the applied value of key.
func (kv *KV) Get(key string) string { return kv.data[key] }

// Applied returns the index of the last applied command (durable or not).
func (kv *KV) Applied() uint64 { return kv.applied }

// Digest describes the applied state, for comparing replicas.
func (kv *KV) Digest() string {
	keys := slices.Sorted(maps.Keys(kv.data))
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf("%s=%s;", k, kv.data[k])
	}
	return out
}

func (kv *KV) sync() {
	kv.disk.data = maps.Clone(kv.data)
	kv.disk.applied = kv.applied
	kv.sinceSync = 0
}

// Apply implements multiraft.StateMachine. A put returns nil, a
// compare-and-set whether it swapped, a get the value.
func (kv *KV) Apply(cmds []multiraft.Command) ([]any, error) {
	out := make([]any, len(cmds))
	for i, c := range cmds {
		if c.Index <= kv.applied {
			return nil, fmt.Errorf("sim: command %d applied twice (applied %d)", c.Index, kv.applied)
		}
		cmd, err := DecodeKVCommand(c.Data)
		if err != nil {
			out[i] = err
		} else {
			switch cmd.Op {
			case OpPut:
				kv.data[cmd.Key] = cmd.Value
			case OpCAS:
				swapped := kv.data[cmd.Key] == cmd.Old
				if swapped {
					kv.data[cmd.Key] = cmd.Value
				}
				out[i] = swapped
			case OpGet:
				out[i] = kv.data[cmd.Key]
			}
		}
		kv.applied = c.Index
		kv.sinceSync++
		if kv.sinceSync >= kv.SyncEvery {
			kv.sync()
		}
	}
	return out, nil
}

// AppliedIndex implements multiraft.StateMachine: the durable index.
func (kv *KV) AppliedIndex() uint64 { return kv.disk.applied }

// Snapshot implements multiraft.StateMachine.
func (kv *KV) Snapshot() (multiraft.Snapshot, error) {
	return &kvSnapshot{data: maps.Clone(kv.data), index: kv.applied}, nil
}

// Restore implements multiraft.StateMachine; the restored state is durable.
func (kv *KV) Restore(r io.Reader) (uint64, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return 0, fmt.Errorf("sim: read snapshot: %w", err)
	}
	index, data, err := decodeKVSnapshot(b)
	if err != nil {
		return 0, err
	}
	kv.data, kv.applied = data, index
	kv.sync()
	return index, nil
}

type kvSnapshot struct {
	data  map[string]string
	index uint64
}

func (s *kvSnapshot) Index() uint64 { return s.index }
func (s *kvSnapshot) Close() error  { return nil }
func (s *kvSnapshot) WriteTo(w io.Writer) (int64, error) {
	b := binary.AppendUvarint(nil, s.index)
	for _, k := range slices.Sorted(maps.Keys(s.data)) {
		for _, x := range []string{k, s.data[k]} {
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		}
	}
	n, err := w.Write(b)
	return int64(n), err
}

func decodeKVSnapshot(b []byte) (uint64, map[string]string, error) {
	index, size := binary.Uvarint(b)
	if size <= 0 {
		return 0, nil, errors.New("sim: bad snapshot header")
	}
	b = b[size:]
	data := map[string]string{}
	for len(b) > 0 {
		var kv [2]string
		for i := range kv {
			n, size := binary.Uvarint(b)
			if size <= 0 || uint64(len(b)-size) < n {
				return 0, nil, errors.New("sim: truncated snapshot")
			}
			kv[i] = string(b[size : size+int(n)])
			b = b[size+int(n):]
		}
		data[kv[0]] = kv[1]
	}
	return index, data, nil
}
