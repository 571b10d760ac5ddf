package catalog

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// Tagging: TagResource, UntagResource and ListTagsOfResource.
//
// The texts and the order of the checks come from DynamoDB itself: captures
// of the live service published in 2026 (tag validation, the 50-tag limit
// checked against the merged set, upserts, untag of absent keys, the ARN
// forms, the DELETING window), dynalite's tagResource, untagResource and
// listTagsOfResource validations and tests (which ran against DynamoDB), and
// ScyllaDB Alternator's tagging tests (also run against DynamoDB). The
// length limits are the SDK model's (ResourceArnString 1..1283,
// TagKeyString 1..128, TagValueString 0..256).
//
// What this model leaves out: DynamoDB applies tag writes asynchronously
// (about two seconds until ListTagsOfResource shows them) and holds a
// per-table lock meanwhile ("Subscriber limit exceeded: Table tags are being
// updated: NAME"). The catalog applies a tag write at once, so neither the
// lag nor the lock exists here.

// Tag limits beside MaxTags.
const (
	// MaxTagKeyLength and MaxTagValueLength bound a tag's key and value,
	// in UTF-16 code units as DynamoDB counts them.
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
	// MaxResourceArnLength bounds the ResourceArn of the tagging calls.
	MaxResourceArnLength = 1283
)

// DynamoDB's tagging messages. The misspelt "Atleast" is DynamoDB's.
const (
	// MsgNoTags is TagResource's message for an empty Tags list.
	MsgNoTags = "Atleast one Tag needs to be provided as Input."
	// MsgNoTagKeys is UntagResource's message for an empty TagKeys list.
	MsgNoTagKeys = "Atleast one Tag Key needs to be provided as Input."
)

// TagResource adds tags to a table or overwrites the values of keys it
// already has. The table's tags stay sorted by key. The 50-tag limit applies
// to the merged set: overwriting keys of a table at the limit is accepted, a
// new key is not. A table being created is not found yet; a table being
// deleted refuses any change but accepts a request that changes nothing.
// A failed call changes nothing.
func (c *Catalog) TagResource(in *TagResourceInput) error {
	var v violations
	v.checkResourceArn(in.ResourceArn)
	if in.Tags == nil {
		// dynalite's test: "Value null at 'tags' failed to satisfy
		// constraint: Member must not be null".
		v.add(nullValue, "tags", cNotNull)
	}
	if err := v.err(); err != nil {
		return err
	}
	name, err := c.taggableTable(in.ResourceArn)
	if err != nil {
		return err
	}
	if len(in.Tags) == 0 {
		return invalid(MsgNoTags)
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	t, err := c.taggedTable(name, in.ResourceArn)
	if err != nil {
		return err
	}
	merged := mergeTags(t.Tags, in.Tags)
	if len(merged) > MaxTags {
		return invalid(MsgTooManyTags)
	}
	if err := changeAllowed(t, name, !sameTags(merged, t.Tags)); err != nil {
		return err
	}
	t.Tags = merged
	return nil
}

// UntagResource removes the tags with the given keys from a table. Keys the
// table does not have are ignored, but every key must still be a valid tag
// key: DynamoDB refuses an "aws:" key even here. A table being created is not
// found yet; a table being deleted refuses a removal that would change its
// tags. A failed call changes nothing.
func (c *Catalog) UntagResource(in *UntagResourceInput) error {
	var v violations
	v.checkResourceArn(in.ResourceArn)
	if in.TagKeys == nil {
		// dynalite's test: "Value null at 'tagKeys' ...".
		v.add(nullValue, "tagKeys", cNotNull)
	}
	if err := v.err(); err != nil {
		return err
	}
	name, err := c.taggableTable(in.ResourceArn)
	if err != nil {
		return err
	}
	if len(in.TagKeys) == 0 {
		return invalid(MsgNoTagKeys)
	}
	// Captured: 51 keys are refused with the tag-count message, although
	// untagging can only shrink the set.
	if len(in.TagKeys) > MaxTags {
		return invalid(MsgTooManyTags)
	}
	for _, key := range in.TagKeys {
		if err := checkTagKey(key); err != nil {
			return err
		}
	}
	t, err := c.taggedTable(name, in.ResourceArn)
	if err != nil {
		return err
	}
	remaining := make([]Tag, 0, len(t.Tags))
	for _, tag := range t.Tags {
		if !slices.Contains(in.TagKeys, tag.Key) {
			remaining = append(remaining, tag)
		}
	}
	sortTags(remaining)
	if err := changeAllowed(t, name, len(remaining) != len(t.Tags)); err != nil {
		return err
	}
	t.Tags = remaining
	return nil
}

// ListTagsOfResource returns a table's tags sorted by key. DynamoDB does not
// page this call: its service team stated that ListTagsOfResource "does not
// support pagination at the API level" because a resource has at most 50
// tags, and the live service returned 50 tags with no NextToken. So every
// tag comes in one page, NextToken is never set, and a NextToken in the
// request is ignored. A table being deleted still lists its tags; one being
// created is not found yet.
func (c *Catalog) ListTagsOfResource(in *ListTagsOfResourceInput) (*ListTagsOfResourceOutput, error) {
	var v violations
	v.checkResourceArn(in.ResourceArn)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := c.taggableTable(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t, err := c.taggedTable(name, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, len(t.Tags))
	copy(tags, t.Tags)
	sortTags(tags)
	return &ListTagsOfResourceOutput{Tags: tags}, nil
}

// checkResourceArn records the request validator's length violations of a
// ResourceArn.
func (v *violations) checkResourceArn(arn string) {
	n := utf16Len(arn)
	if n < 1 {
		v.add(quote(arn), "resourceArn", cMinLen(1))
	}
	if n > MaxResourceArnLength {
		v.add(quote(arn), "resourceArn", cMaxLen(MaxResourceArnLength))
	}
}

// taggableTable returns the table name in a ResourceArn, or DynamoDB's
// ValidationException for an ARN that names no table of this catalog's
// region and account. Captured texts, all prefixed "One or more parameter
// values were invalid: ": "ARNs must start with 'arn:': X" for a bare name,
// "Provided Arn is not a DynamoDB resource arn: X" for a backup ARN,
// "Invalid resource arn provided, only table or stream is accepted. Provided
// resource arn: X" for an index ARN. An ARN of another region gets "Invalid
// TableArn: Invalid ResourceArn provided as input X" (captured for
// ListTagsOfResource), as does one with a table name DynamoDB could not
// create (dynalite's test with "table/ab"). The same text serves, by this
// model's choice, for other malformed ARNs, another account or partition,
// and stream ARNs (the index message names streams as accepted, but what
// tagging a stream does was not observed).
func (c *Catalog) taggableTable(arn string) (string, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return "", invalidf("ARNs must start with 'arn:': %s", arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", invalidTableArn(arn)
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	if service != "dynamodb" {
		return "", notDynamoDBArn(arn)
	}
	rest, ok := strings.CutPrefix(resource, "table/")
	if !ok {
		return "", notDynamoDBArn(arn)
	}
	segments := strings.Split(rest, "/")
	if len(segments) > 1 {
		switch segments[1] {
		case "index":
			return "", invalidf("Invalid resource arn provided, only table or stream is accepted. Provided resource arn: %s", arn)
		case "stream":
			return "", invalidTableArn(arn)
		default:
			return "", notDynamoDBArn(arn)
		}
	}
	name := segments[0]
	if len(name) < MinNameLength || len(name) > MaxNameLength || !validName(name) {
		return "", invalidTableArn(arn)
	}
	if partition != "aws" || region != c.opts.Region || account != c.opts.Account {
		return "", invalidTableArn(arn)
	}
	return name, nil
}

// taggedTable returns the table a tagging call acts on. A table still being
// created is not found: tagging it right after CreateTable gave "Requested
// resource not found: ResourcArn: ARN not found" (so spelt in 2019); the
// 2026 captures spell the message "ResourceArn" for all three calls.
func (c *Catalog) taggedTable(name, arn string) (*Table, error) {
	t, ok := c.tables[name]
	if !ok || t.Description.TableStatus == TableStatusCreating {
		return nil, &dberr.ResourceNotFoundException{Message: "Requested resource not found: ResourceArn: " + arn + " not found"}
	}
	return t, nil
}

// changeAllowed refuses a change to the tags of a table being deleted, as
// DynamoDB does ("Attempt to change a resource which is still in use: Table
// is being deleted: NAME", captured); a request that changes nothing is
// accepted then, as captured for a re-sent tag.
func changeAllowed(t *Table, name string, changes bool) error {
	if changes && t.Description.TableStatus == TableStatusDeleting {
		return inUse("Table is being deleted: " + name)
	}
	return nil
}

func invalidTableArn(arn string) error {
	return invalid("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
}

func notDynamoDBArn(arn string) error {
	return invalidf("Provided Arn is not a DynamoDB resource arn: %s", arn)
}

// checkTags applies TagResource's rules to the tags of one request, in the
// order DynamoDB reports them: the count, then for each tag its key, its
// value, the reserved prefix and duplicates. All are ValidationExceptions
// with texts captured from the live service.
func checkTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return invalid(MsgTooManyTags)
	}
	seen := make(map[string]bool, len(tags))
	for _, tag := range tags {
		if !validTagText(tag.Key, 1, MaxTagKeyLength) {
			return invalid("The Tag Key provided is invalid, Key: " + tag.Key)
		}
		if !validTagText(tag.Value, 0, MaxTagValueLength) {
			return invalid("The Tag Value provided is invalid, Value: " + tag.Value)
		}
		if reservedTagKey(tag.Key) {
			return reservedKey(tag.Key)
		}
		if seen[tag.Key] {
			return invalid("Duplicate Tag Keys provided as input: Duplicate Tag Key found " + tag.Key)
		}
		seen[tag.Key] = true
	}
	return nil
}

// checkTagKey applies UntagResource's rules to one key.
func checkTagKey(key string) error {
	if !validTagText(key, 1, MaxTagKeyLength) {
		return invalid("The Tag Key provided is invalid, Key: " + key)
	}
	if reservedTagKey(key) {
		return reservedKey(key)
	}
	return nil
}

func reservedKey(key string) error {
	return invalid("Tag Key cannot be prefixed with aws:, Key: " + key)
}

// reservedTagKey reports a key with the reserved "aws:" prefix, in any case:
// the live service refused "AWS:foo" as well as "aws:foo", and accepted
// "myaws:foo".
func reservedTagKey(key string) bool {
	return len(key) >= 4 && strings.EqualFold(key[:4], "aws:")
}

// validTagText reports whether s is a tag key or value DynamoDB accepts:
// between min and max UTF-16 code units long, and made only of letters of
// any script, separators (spaces, including no-break and ideographic
// spaces), numbers and the characters _ . : / = + - @. That is AWS's tag
// pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*; the live service accepted Cyrillic,
// Latin-1 and CJK letters and refused emoji, '#', '%', ',', quotes and
// brackets.
func validTagText(s string, min, max int) bool {
	n := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsNumber(r), unicode.Is(unicode.Z, r), strings.ContainsRune("_.:/=+-@", r):
		default:
			return false
		}
		n += utf16.RuneLen(r)
	}
	return n >= min && n <= max
}

// utf16Len returns the length of s as DynamoDB measures strings: in UTF-16
// code units (an invalid byte counts as one replacement character).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// mergeTags returns a new slice, sorted by key, holding current overwritten
// and extended by update.
func mergeTags(current, update []Tag) []Tag {
	merged := make([]Tag, 0, len(current)+len(update))
	index := make(map[string]int, len(current)+len(update))
	for _, tag := range slices.Concat(current, update) {
		if i, ok := index[tag.Key]; ok {
			merged[i].Value = tag.Value
			continue
		}
		index[tag.Key] = len(merged)
		merged = append(merged, tag)
	}
	sortTags(merged)
	return merged
}

// sameTags reports whether a and b hold the same key-value pairs, whatever
// their order.
func sameTags(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	values := make(map[string]string, len(a))
	for _, tag := range a {
		values[tag.Key] = tag.Value
	}
	for _, tag := range b {
		if v, ok := values[tag.Key]; !ok || v != tag.Value {
			return false
		}
	}
	return true
}

func sortTags(tags []Tag) {
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
}
