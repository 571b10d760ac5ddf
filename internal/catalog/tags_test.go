package catalog

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tagFixture returns a catalog holding a table in each state:
//
//	orders    ACTIVE, tags env=prod and team=db
//	full      ACTIVE, 50 tags k00..k49
//	creating  CREATING
//	busy      UPDATING
//	going     DELETING, tag k=v
func tagFixture(t *testing.T) *Catalog {
	t.Helper()
	c := newCluster(t, 3, 1)
	create := func(name string, tags []Tag) *CreateTableInput {
		in := baseCreate()
		in.TableName = name
		in.Tags = tags
		return in
	}
	active(t, c, create("orders", []Tag{{Key: "team", Value: "db"}, {Key: "env", Value: "prod"}}))
	full := make([]Tag, MaxTags)
	for i := range full {
		full[i] = Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"}
	}
	active(t, c, create("full", full))
	mustCreate(t, c, create("creating", nil))
	active(t, c, create("busy", nil))
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "busy", ProvisionedThroughput: pt(10, 10)}, t0)
	require.NoError(t, err)
	active(t, c, create("going", []Tag{{Key: "k", Value: "v"}}))
	_, err = c.DeleteTable(&DeleteTableInput{TableName: "going"})
	require.NoError(t, err)
	require.NoError(t, c.Check())
	return c
}

func arnOf(name string) string { return TableARN(DefaultRegion, DefaultAccount, name) }

func tags(kv ...string) []Tag {
	out := make([]Tag, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func listTags(t *testing.T, c *Catalog, name string) []Tag {
	t.Helper()
	out, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: arnOf(name)})
	require.NoError(t, err)
	require.Empty(t, out.NextToken)
	return out.Tags
}

// tagCase is one tagging call on a fresh fixture and the error it must
// give; a failed call must leave the encoded catalog byte for byte as it
// was.
type tagCase struct {
	errCase
	op func(c *Catalog) error
}

func runTagCases(t *testing.T, cases []tagCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tagFixture(t)
			before, err := EncodeCatalog(c)
			require.NoError(t, err)
			requireAPIError(t, tc.op(c), tc.code, tc.msg)
			require.NoError(t, c.Check())
			if tc.code != "" {
				after, err := EncodeCatalog(c)
				require.NoError(t, err)
				require.Equal(t, before, after, "a failed call changed the catalog")
			}
		})
	}
}

// The ARN forms every tagging call checks, with the error each gives.
func arnCases(call func(c *Catalog, arn string) error) []tagCase {
	orders := arnOf("orders")
	long := strings.Repeat("a", MaxResourceArnLength+1)
	longName := arnOf(strings.Repeat("t", MaxResourceArnLength-len(arnOf(""))))
	with := func(arn string) func(c *Catalog) error { return func(c *Catalog) error { return call(c, arn) } }
	badArn := func(arn string) string { return "Invalid TableArn: Invalid ResourceArn provided as input " + arn }
	return []tagCase{
		{errCase{"ARN too long", vex, "1 validation error detected: Value '" + long +
			"' at 'resourceArn' failed to satisfy constraint: Member must have length less than or equal to 1283"}, with(long)},
		{errCase{"ARN of 1283 characters passes the length check", vex, badArn(longName)}, with(longName)},
		{errCase{"bare table name", vex, "One or more parameter values were invalid: ARNs must start with 'arn:': orders"}, with("orders")},
		{errCase{"ARN missing its resource", vex, badArn("arn:aws:dynamodb:us-east-1")}, with("arn:aws:dynamodb:us-east-1")},
		{errCase{"ARN of another service", vex, "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::bucket"},
			with("arn:aws:s3:::bucket")},
		{errCase{"backup ARN", vex, "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: " + orders + "/backup/01700000000000-abcdefgh"},
			with(orders + "/backup/01700000000000-abcdefgh")},
		{errCase{"global table ARN", vex, "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: arn:aws:dynamodb::000000000000:global-table/orders"},
			with("arn:aws:dynamodb::000000000000:global-table/orders")},
		{errCase{"index ARN", vex, "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + IndexARN(orders, "gsi1")},
			with(IndexARN(orders, "gsi1"))},
		{errCase{"stream ARN", vex, badArn(StreamARN(orders, StreamLabel(t0)))}, with(StreamARN(orders, StreamLabel(t0)))},
		{errCase{"ARN of another region", vex, badArn(TableARN("us-west-2", DefaultAccount, "orders"))}, with(TableARN("us-west-2", DefaultAccount, "orders"))},
		{errCase{"ARN of another account", vex, badArn(TableARN(DefaultRegion, "123456789012", "orders"))}, with(TableARN(DefaultRegion, "123456789012", "orders"))},
		{errCase{"ARN of another partition", vex, badArn("arn:aws-cn:dynamodb:us-east-1:000000000000:table/orders")},
			with("arn:aws-cn:dynamodb:us-east-1:000000000000:table/orders")},
		{errCase{"ARN with a table name too short", vex, badArn(arnOf("ab"))}, with(arnOf("ab"))},
		{errCase{"ARN with an empty table name", vex, badArn(arnOf(""))}, with(arnOf(""))},
		{errCase{"ARN with a bad table name", vex, badArn(arnOf("or ders"))}, with(arnOf("or ders"))},
		{errCase{"ARN of a missing table", nfx, "Requested resource not found: ResourceArn: " + arnOf("nope") + " not found"}, with(arnOf("nope"))},
		{errCase{"ARN of a table being created", nfx, "Requested resource not found: ResourceArn: " + arnOf("creating") + " not found"}, with(arnOf("creating"))},
		{errCase{"ARN differing from a table's in case", nfx, "Requested resource not found: ResourceArn: " + arnOf("ORDERS") + " not found"}, with(arnOf("ORDERS"))},
	}
}

func TestTagResourceErrors(t *testing.T) {
	orders := arnOf("orders")
	tag := func(arn string, tags []Tag) func(c *Catalog) error {
		return func(c *Catalog) error { return c.TagResource(&TagResourceInput{ResourceArn: arn, Tags: tags}) }
	}
	fiftyOne := func(prefix, value string) []Tag {
		out := make([]Tag, 0, MaxTags+1)
		for i := 0; i <= MaxTags; i++ {
			out = append(out, Tag{Key: fmt.Sprintf("%s%02d", prefix, i), Value: value})
		}
		return out
	}
	key129 := strings.Repeat("k", MaxTagKeyLength+1)
	value257 := strings.Repeat("v", MaxTagValueLength+1)
	cases := []tagCase{
		{errCase{"empty ARN", vex, "1 validation error detected: Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			tag("", tags("a", "b"))},
		{errCase{"missing Tags", vex, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
			tag(orders, nil)},
		{errCase{"empty ARN and missing Tags", vex, "2 validation errors detected: " +
			"Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value null at 'tags' failed to satisfy constraint: Member must not be null"},
			tag("", nil)},
		{errCase{"missing Tags before a bad ARN", vex, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
			tag("orders", nil)},
		{errCase{"bad ARN before empty Tags", vex, "One or more parameter values were invalid: ARNs must start with 'arn:': orders"}, tag("orders", []Tag{})},
		{errCase{"empty Tags", vex, MsgNoTags}, tag(orders, []Tag{})},
		{errCase{"empty Tags of a missing table", vex, MsgNoTags}, tag(arnOf("nope"), []Tag{})},
		{errCase{"51 tags in one request", vex, "Number of Tags exceed the current limit for the provided ResourceArn"}, tag(orders, fiftyOne("n", "v"))},
		{errCase{"empty key", vex, "The Tag Key provided is invalid, Key: "}, tag(orders, tags("", "v"))},
		{errCase{"key of 129 characters", vex, "The Tag Key provided is invalid, Key: " + key129}, tag(orders, tags(key129, "v"))},
		{errCase{"key with '#'", vex, "The Tag Key provided is invalid, Key: bad#char"}, tag(orders, tags("bad#char", "v"))},
		{errCase{"key with an emoji", vex, "The Tag Key provided is invalid, Key: \U0001F511"}, tag(orders, tags("\U0001F511", "v"))},
		{errCase{"key with a tab", vex, "The Tag Key provided is invalid, Key: a\tb"}, tag(orders, tags("a\tb", "v"))},
		{errCase{"value of 257 characters", vex, "The Tag Value provided is invalid, Value: " + value257}, tag(orders, tags("k", value257))},
		{errCase{"value with '#'", vex, "The Tag Value provided is invalid, Value: bad#char"}, tag(orders, tags("k", "bad#char"))},
		{errCase{"value with '%'", vex, "The Tag Value provided is invalid, Value: 100%"}, tag(orders, tags("k", "100%"))},
		{errCase{"value with a comma", vex, "The Tag Value provided is invalid, Value: a,b"}, tag(orders, tags("k", "a,b"))},
		{errCase{"key checked before value", vex, "The Tag Key provided is invalid, Key: a#"}, tag(orders, tags("a#", "b#"))},
		{errCase{"reserved aws: key", vex, "Tag Key cannot be prefixed with aws:, Key: aws:foo"}, tag(orders, tags("aws:foo", "x"))},
		{errCase{"reserved key in upper case", vex, "Tag Key cannot be prefixed with aws:, Key: AWS:foo"}, tag(orders, tags("AWS:foo", "x"))},
		{errCase{"valid tag then reserved key applies neither", vex, "Tag Key cannot be prefixed with aws:, Key: aws:zzz"},
			tag(orders, tags("good", "x", "aws:zzz", "y"))},
		{errCase{"duplicate keys", vex, "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"}, tag(orders, tags("dup", "1", "dup", "2"))},
		{errCase{"bad tag of a missing table", vex, "The Tag Key provided is invalid, Key: "}, tag(arnOf("nope"), tags("", "v"))},
		{errCase{"new key on a table at the limit", vex, MsgTooManyTags}, tag(arnOf("full"), tags("k50", "v"))},
		{errCase{"overwrite and new key on a table at the limit", vex, MsgTooManyTags}, tag(arnOf("full"), tags("k01", "new", "k50", "v"))},
		{errCase{"changed tag on a table being deleted", iux, "Attempt to change a resource which is still in use: Table is being deleted: going"},
			tag(arnOf("going"), tags("k", "new"))},
		{errCase{"new tag on a table being deleted", iux, "Attempt to change a resource which is still in use: Table is being deleted: going"},
			tag(arnOf("going"), tags("k", "v", "k2", "v"))},
		{errCase{"key of 128 characters", "", ""}, tag(orders, tags(strings.Repeat("k", MaxTagKeyLength), "v"))},
		{errCase{"value of 256 characters", "", ""}, tag(orders, tags("k", strings.Repeat("v", MaxTagValueLength)))},
		{errCase{"empty value", "", ""}, tag(orders, tags("k", ""))},
		{errCase{"letters of any script, spaces and the allowed symbols", "", ""},
			tag(orders, tags("ключ", "café", "表", "a\u00a0b\u3000c", "sp ace", "a+b-c=d.e_f:g/h@i", " lead", "٣"))},
		{errCase{"key of 128 Cyrillic letters", "", ""}, tag(orders, tags(strings.Repeat("ж", MaxTagKeyLength), "v"))},
		{errCase{"aws inside a key", "", ""}, tag(orders, tags("myaws:foo", "x"))},
		{errCase{"overwrite every key of a table at the limit", "", ""}, tag(arnOf("full"), fiftyOne("k", "new")[:MaxTags])},
		{errCase{"table being updated", "", ""}, tag(arnOf("busy"), tags("k", "v"))},
		{errCase{"unchanged tag on a table being deleted", "", ""}, tag(arnOf("going"), tags("k", "v"))},
	}
	cases = append(cases, arnCases(func(c *Catalog, arn string) error {
		return c.TagResource(&TagResourceInput{ResourceArn: arn, Tags: tags("k", "v")})
	})...)
	runTagCases(t, cases)
}

func TestUntagResourceErrors(t *testing.T) {
	orders := arnOf("orders")
	untag := func(arn string, keys []string) func(c *Catalog) error {
		return func(c *Catalog) error { return c.UntagResource(&UntagResourceInput{ResourceArn: arn, TagKeys: keys}) }
	}
	keys51 := make([]string, MaxTags+1)
	for i := range keys51 {
		keys51[i] = fmt.Sprintf("k%02d", i)
	}
	key129 := strings.Repeat("k", MaxTagKeyLength+1)
	cases := []tagCase{
		{errCase{"missing TagKeys", vex, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
			untag(orders, nil)},
		{errCase{"empty ARN and missing TagKeys", vex, "2 validation errors detected: " +
			"Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
			untag("", nil)},
		{errCase{"empty TagKeys", vex, MsgNoTagKeys}, untag(orders, []string{})},
		{errCase{"51 keys", vex, MsgTooManyTags}, untag(arnOf("full"), keys51)},
		{errCase{"empty key", vex, "The Tag Key provided is invalid, Key: "}, untag(orders, []string{""})},
		{errCase{"key of 129 characters", vex, "The Tag Key provided is invalid, Key: " + key129}, untag(orders, []string{"env", key129})},
		{errCase{"reserved key", vex, "Tag Key cannot be prefixed with aws:, Key: aws:foo"}, untag(orders, []string{"env", "aws:foo"})},
		{errCase{"present key of a table being deleted", iux, "Attempt to change a resource which is still in use: Table is being deleted: going"},
			untag(arnOf("going"), []string{"k"})},
		{errCase{"absent key of a table being deleted", "", ""}, untag(arnOf("going"), []string{"nope"})},
		{errCase{"absent key", "", ""}, untag(orders, []string{"nope"})},
		{errCase{"fifty keys", "", ""}, untag(arnOf("full"), keys51[:MaxTags])},
		{errCase{"table being updated", "", ""}, untag(arnOf("busy"), []string{"k"})},
	}
	cases = append(cases, arnCases(func(c *Catalog, arn string) error {
		return c.UntagResource(&UntagResourceInput{ResourceArn: arn, TagKeys: []string{"k"}})
	})...)
	runTagCases(t, cases)
}

func TestListTagsOfResourceErrors(t *testing.T) {
	list := func(arn string) func(c *Catalog) error {
		return func(c *Catalog) error {
			_, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: arn})
			return err
		}
	}
	cases := []tagCase{
		{errCase{"empty ARN", vex, "1 validation error detected: Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			list("")},
		{errCase{"table being deleted still lists", "", ""}, list(arnOf("going"))},
		{errCase{"table being updated", "", ""}, list(arnOf("busy"))},
	}
	cases = append(cases, arnCases(func(c *Catalog, arn string) error {
		_, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: arn})
		return err
	})...)
	runTagCases(t, cases)
}

func TestTagResourceOverwritesAndKeepsKeysSorted(t *testing.T) {
	c := tagFixture(t)
	orders := arnOf("orders")
	// CreateTable's tags come back sorted by key.
	require.Equal(t, tags("env", "prod", "team", "db"), listTags(t, c, "orders"))

	in := &TagResourceInput{ResourceArn: orders, Tags: tags("zone", "a", "env", "test", "app", "web")}
	require.NoError(t, c.TagResource(in))
	want := tags("app", "web", "env", "test", "team", "db", "zone", "a")
	require.Equal(t, want, listTags(t, c, "orders"))
	tbl, _ := c.Table("orders")
	require.Equal(t, want, tbl.Tags, "the table's record holds its tags sorted")

	// The catalog keeps no reference to the request or the response.
	in.Tags[0].Value = "changed"
	out, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: orders})
	require.NoError(t, err)
	out.Tags[0].Value = "changed"
	require.Equal(t, want, listTags(t, c, "orders"))

	// Keys are case-sensitive: Env is a second key beside env.
	require.NoError(t, c.TagResource(&TagResourceInput{ResourceArn: orders, Tags: tags("Env", "")}))
	require.Equal(t, tags("Env", "", "app", "web", "env", "test", "team", "db", "zone", "a"), listTags(t, c, "orders"))
	require.NoError(t, c.Check())
}

func TestUntagResourceIgnoresMissingKeys(t *testing.T) {
	c := tagFixture(t)
	orders := arnOf("orders")
	require.NoError(t, c.TagResource(&TagResourceInput{ResourceArn: orders, Tags: tags("app", "web")}))

	require.NoError(t, c.UntagResource(&UntagResourceInput{ResourceArn: orders, TagKeys: []string{"never-set"}}))
	require.Equal(t, tags("app", "web", "env", "prod", "team", "db"), listTags(t, c, "orders"))

	require.NoError(t, c.UntagResource(&UntagResourceInput{ResourceArn: orders, TagKeys: []string{"missing", "env", "env", "ENV"}}))
	require.Equal(t, tags("app", "web", "team", "db"), listTags(t, c, "orders"))

	require.NoError(t, c.UntagResource(&UntagResourceInput{ResourceArn: orders, TagKeys: []string{"team", "app"}}))
	got := listTags(t, c, "orders")
	require.NotNil(t, got, "a table without tags lists an empty, non-nil slice")
	require.Empty(t, got)

	// Removing the last tag of a table at the limit frees a place.
	full := arnOf("full")
	require.NoError(t, c.UntagResource(&UntagResourceInput{ResourceArn: full, TagKeys: []string{"k00"}}))
	require.NoError(t, c.TagResource(&TagResourceInput{ResourceArn: full, Tags: tags("k50", "v")}))
	require.Len(t, listTags(t, c, "full"), MaxTags)
	require.NoError(t, c.Check())
}

func TestListTagsOfResourceReturnsOnePage(t *testing.T) {
	c := tagFixture(t)
	full := arnOf("full")
	out, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: full})
	require.NoError(t, err)
	require.Len(t, out.Tags, MaxTags, "all 50 tags come in one page")
	require.Empty(t, out.NextToken)
	for i, tag := range out.Tags {
		require.Equal(t, fmt.Sprintf("k%02d", i), tag.Key)
	}
	// A NextToken DynamoDB never issued is ignored.
	again, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: full, NextToken: "k09"})
	require.NoError(t, err)
	require.Equal(t, out, again)

	// A table being deleted lists the tags it had.
	require.Equal(t, tags("k", "v"), listTags(t, c, "going"))
	// After the deletion completes the table is not found.
	require.NoError(t, c.CompleteTransition("going"))
	_, err = c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: arnOf("going")})
	requireAPIError(t, err, nfx, "Requested resource not found: ResourceArn: "+arnOf("going")+" not found")
	// Once ACTIVE, a table that was being created is found.
	require.NoError(t, c.CompleteTransition("creating"))
	require.Empty(t, listTags(t, c, "creating"))
}

func TestTaggingUsesTheCatalogsRegionAndAccount(t *testing.T) {
	c := New(Options{Region: "eu-west-1", Account: "123456789012"})
	require.NoError(t, c.AddNode(Node{ID: 1, Zone: "a", Live: true}))
	active(t, c, baseCreate())
	arn := TableARN("eu-west-1", "123456789012", "orders")
	require.NoError(t, c.TagResource(&TagResourceInput{ResourceArn: arn, Tags: tags("k", "v")}))
	out, err := c.ListTagsOfResource(&ListTagsOfResourceInput{ResourceArn: arn})
	require.NoError(t, err)
	require.Equal(t, tags("k", "v"), out.Tags)
	err = c.TagResource(&TagResourceInput{ResourceArn: arnOf("orders"), Tags: tags("k", "v")})
	requireAPIError(t, err, vex, "Invalid TableArn: Invalid ResourceArn provided as input "+arnOf("orders"))
}

func TestTagsSurviveEncoding(t *testing.T) {
	c := tagFixture(t)
	orders := arnOf("orders")
	require.NoError(t, c.TagResource(&TagResourceInput{ResourceArn: orders, Tags: tags("ключ", "значение", "empty", "", "a+b", "c@d")}))
	require.NoError(t, c.UntagResource(&UntagResourceInput{ResourceArn: orders, TagKeys: []string{"team"}}))
	b, err := EncodeCatalog(c)
	require.NoError(t, err)
	got, err := DecodeCatalog(b, Options{})
	require.NoError(t, err)
	require.NoError(t, got.Check())
	for _, name := range []string{"orders", "full", "going", "busy"} {
		require.Equal(t, listTags(t, c, name), listTags(t, got, name), name)
		want, _ := c.Table(name)
		have, _ := got.Table(name)
		require.Equal(t, want.Tags, have.Tags, name)
	}
	require.Equal(t, tags("a+b", "c@d", "empty", "", "env", "prod", "ключ", "значение"), listTags(t, got, "orders"))
	// The decoded catalog goes on tagging under the same rules.
	require.NoError(t, got.TagResource(&TagResourceInput{ResourceArn: orders, Tags: tags("team", "db")}))
	err = got.TagResource(&TagResourceInput{ResourceArn: arnOf("full"), Tags: tags("k50", "v")})
	requireAPIError(t, err, vex, MsgTooManyTags)
}

// TestRandomTaggingMatchesAModel drives one table with random tag and untag
// calls, valid and not, and checks after each that the catalog holds what a
// plain map says it should: failed calls change nothing, tags stay sorted,
// never more than 50.
func TestRandomTaggingMatchesAModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	c := tagFixture(t)
	orders := arnOf("orders")
	model := map[string]string{"env": "prod", "team": "db"}
	key := func() string {
		if r.IntN(20) == 0 {
			return "bad#" + fmt.Sprint(r.IntN(3))
		}
		return fmt.Sprintf("k%02d", r.IntN(70))
	}
	for step := 0; step < 2000; step++ {
		if r.IntN(3) > 0 {
			in := &TagResourceInput{ResourceArn: orders}
			next := maps.Clone(model)
			ok := true
			seen := map[string]bool{}
			for range 1 + r.IntN(8) {
				k, v := key(), fmt.Sprint(r.IntN(5))
				in.Tags = append(in.Tags, Tag{Key: k, Value: v})
				ok = ok && !strings.Contains(k, "#") && !seen[k]
				seen[k] = true
				next[k] = v
			}
			err := c.TagResource(in)
			if ok && len(next) <= MaxTags {
				require.NoError(t, err, "step %d", step)
				model = next
			} else {
				require.Error(t, err, "step %d", step)
			}
		} else {
			in := &UntagResourceInput{ResourceArn: orders}
			ok := true
			next := maps.Clone(model)
			for range 1 + r.IntN(8) {
				k := key()
				in.TagKeys = append(in.TagKeys, k)
				ok = ok && !strings.Contains(k, "#")
				delete(next, k)
			}
			err := c.UntagResource(in)
			if ok {
				require.NoError(t, err, "step %d", step)
				model = next
			} else {
				require.Error(t, err, "step %d", step)
			}
		}
		got := listTags(t, c, "orders")
		require.LessOrEqual(t, len(got), MaxTags)
		require.Equal(t, slices.Sorted(maps.Keys(model)), keysOf(got), "step %d", step)
		for _, tag := range got {
			require.Equal(t, model[tag.Key], tag.Value, "step %d", step)
		}
	}
	require.NoError(t, c.Check())
}

func keysOf(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, tag := range tags {
		out[i] = tag.Key
	}
	return out
}
