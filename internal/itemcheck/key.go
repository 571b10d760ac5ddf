package itemcheck

import (
	"github.com/embeddynamo/dynamo/internal/attr"
)

// Key size limits, in bytes of the raw value (UTF-8 for S, raw bytes for B;
// numbers have no separate key limit).
const (
	MaxPartitionKeySize = 2048
	MaxSortKeySize      = 1024
)

// DynamoDB's messages for invalid keys.
const (
	// MsgKeySchemaMismatch is the message for a key (GetItem, DeleteItem,
	// UpdateItem ...) that lacks a key attribute, has another attribute, or
	// has a key attribute of the wrong type.
	MsgKeySchemaMismatch = "The provided key element does not match the schema"
	// MsgPartitionKeyTooLarge is the message for a partition key value over
	// 2048 bytes (the missing space is DynamoDB's).
	MsgPartitionKeyTooLarge = invalidPrefix + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
	// MsgSortKeyTooLarge is the message for a sort key value over 1024 bytes.
	MsgSortKeyTooLarge = invalidPrefix + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"

	emptyKeyPrefix = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
)

// KeyDef names one key attribute and its type (S, N or B).
type KeyDef struct {
	Name string
	Type attr.Type
}

// KeySchema is a table's or index's primary key: a partition key and an
// optional sort key.
type KeySchema struct {
	Partition KeyDef
	Sort      *KeyDef
}

// defs returns the key attributes, partition key first.
func (s KeySchema) defs() []KeyDef {
	if s.Sort == nil {
		return []KeyDef{s.Partition}
	}
	return []KeyDef{s.Partition, *s.Sort}
}

// ValidateKey checks a key given to GetItem, DeleteItem, UpdateItem and the
// like: exactly the key attributes, each of its defined type, not empty, and
// within the key size limits. It does not check number text; see CheckKey.
func (s KeySchema) ValidateKey(key attr.Item) error {
	defs := s.defs()
	if len(key) != len(defs) {
		return invalid(MsgKeySchemaMismatch)
	}
	for i, def := range defs {
		v, ok := key[def.Name]
		if !ok || v.Type() != def.Type {
			return invalid(MsgKeySchemaMismatch)
		}
		if err := checkKeyValue(def, v, i == 0); err != nil {
			return err
		}
	}
	return nil
}

// CheckKey validates a key's values like Item does (numbers, types), then
// applies ValidateKey, and returns the key with its numbers in canonical form.
func (s KeySchema) CheckKey(key attr.Item) (attr.Item, error) {
	canon, err := Values(key)
	if err != nil {
		return nil, err
	}
	if err := s.ValidateKey(canon); err != nil {
		return nil, err
	}
	return canon, nil
}

// ValidateItemKey checks the key attributes of an item being written: each is
// present, of its defined type, not empty, and within the key size limits.
// The partition key is checked fully before the sort key.
func (s KeySchema) ValidateItemKey(item attr.Item) error {
	for i, def := range s.defs() {
		v, ok := item[def.Name]
		if !ok {
			return invalid(invalidPrefix + "Missing the key " + def.Name + " in the item")
		}
		if v.Type() != def.Type {
			return invalid(invalidPrefix + "Type mismatch for key " + def.Name +
				" expected: " + def.Type.String() + " actual: " + v.Type().String())
		}
		if err := checkKeyValue(def, v, i == 0); err != nil {
			return err
		}
	}
	return nil
}

// checkKeyValue applies the empty-value and size rules to a key attribute
// value of the right type.
func checkKeyValue(def KeyDef, v attr.Value, partition bool) error {
	size := 0
	switch def.Type {
	case attr.TypeS:
		size = len(v.S())
		if size == 0 {
			return invalid(emptyKeyPrefix + "string value. Key: " + def.Name)
		}
	case attr.TypeB:
		size = len(v.BString())
		if size == 0 {
			return invalid(emptyKeyPrefix + "binary value. Key: " + def.Name)
		}
	default:
		return nil
	}
	if partition && size > MaxPartitionKeySize {
		return invalid(MsgPartitionKeyTooLarge)
	}
	if !partition && size > MaxSortKeySize {
		return invalid(MsgSortKeyTooLarge)
	}
	return nil
}

// KeyOf returns the key attributes of item, as a new item. Key attributes the
// item lacks are left out.
func (s KeySchema) KeyOf(item attr.Item) attr.Item {
	key := make(attr.Item, 2)
	for _, def := range s.defs() {
		if v, ok := item[def.Name]; ok {
			key[def.Name] = v
		}
	}
	return key
}

// Names returns the key attribute names, partition key first.
func (s KeySchema) Names() []string {
	if s.Sort == nil {
		return []string{s.Partition.Name}
	}
	return []string{s.Partition.Name, s.Sort.Name}
}
