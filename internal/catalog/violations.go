package catalog

import (
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// maxViolations is how many constraint violations DynamoDB reports in one
// envelope; it stops collecting after ten.
const maxViolations = 10

// invalidPrefix starts DynamoDB's messages for semantically invalid
// parameters.
const invalidPrefix = "One or more parameter values were invalid: "

// violations collects DynamoDB's per-field constraint violations ("Value 'x'
// at 'tableName' failed to satisfy constraint: ...") for one request, in the
// order they are found, and renders them in DynamoDB's envelope: "1
// validation error detected: V" or "N validation errors detected: V1; V2".
type violations struct {
	list []string
}

// nullValue is how DynamoDB renders an absent value in a violation.
const nullValue = "null"

// quote renders a present value as DynamoDB does in a violation.
func quote(s string) string { return "'" + s + "'" }

// add records that the value (already rendered by quote, or nullValue) at
// path fails constraint.
func (v *violations) add(value, path, constraint string) {
	if len(v.list) >= maxViolations {
		return
	}
	v.list = append(v.list, "Value "+value+" at '"+path+"' failed to satisfy constraint: "+constraint)
}

// err returns the ValidationException for the collected violations, or nil.
func (v *violations) err() error {
	switch len(v.list) {
	case 0:
		return nil
	case 1:
		return dberr.Validationf("1 validation error detected: %s", v.list[0])
	default:
		return dberr.Validationf("%d validation errors detected: %s", len(v.list), strings.Join(v.list, "; "))
	}
}

// The constraint texts DynamoDB's request validator uses.
const (
	cNotNull    = "Member must not be null"
	namePattern = "[a-zA-Z0-9_.-]+"
	cPattern    = "Member must satisfy regular expression pattern: " + namePattern
)

func cMinLen(n int) string {
	return "Member must have length greater than or equal to " + strconv.Itoa(n)
}
func cMaxLen(n int) string { return "Member must have length less than or equal to " + strconv.Itoa(n) }
func cMinVal(n int64) string {
	return "Member must have value greater than or equal to " + strconv.FormatInt(n, 10)
}
func cMaxVal(n int64) string {
	return "Member must have value less than or equal to " + strconv.FormatInt(n, 10)
}
func cEnum(values ...string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// Name limits for tables and indexes.
const (
	MinNameLength = 3
	MaxNameLength = 255
	// MaxAttributeNameLength bounds the name of a key attribute.
	MaxAttributeNameLength = 255
)

// validName reports whether every byte of s is in [a-zA-Z0-9_.-] and s is
// not empty.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkName records the violations of a table or index name: the length
// first, then the pattern, the order DynamoDB reports them in.
func (v *violations) checkName(path, name string) {
	n := len([]rune(name))
	if n < MinNameLength {
		v.add(quote(name), path, cMinLen(MinNameLength))
	}
	if n > MaxNameLength {
		v.add(quote(name), path, cMaxLen(MaxNameLength))
	}
	if !validName(name) {
		v.add(quote(name), path, cPattern)
	}
}

// checkAttributeName records the violations of a key attribute name.
func (v *violations) checkAttributeName(path, name string) {
	if name == "" {
		v.add(quote(name), path, cMinLen(1))
	}
	if len(name) > MaxAttributeNameLength {
		v.add(quote(name), path, cMaxLen(MaxAttributeNameLength))
	}
}

// checkThroughput records the violations of a ProvisionedThroughput that is
// present: each unit must be given and at least 1. DynamoDB reports
// writeCapacityUnits before readCapacityUnits.
func (v *violations) checkThroughput(path string, pt *ProvisionedThroughput) {
	for _, f := range []struct {
		name  string
		units *int64
	}{{"writeCapacityUnits", pt.WriteCapacityUnits}, {"readCapacityUnits", pt.ReadCapacityUnits}} {
		switch {
		case f.units == nil:
			v.add(nullValue, path+"."+f.name, cNotNull)
		case *f.units < 1:
			v.add(quote(strconv.FormatInt(*f.units, 10)), path+"."+f.name, cMinVal(1))
		}
	}
}

// renderKeySchema renders a key schema list the way DynamoDB echoes it in a
// length violation.
func renderKeySchema(ks []KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = "KeySchemaElement(attributeName=" + k.AttributeName + ", keyType=" + string(k.KeyType) + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkKeySchema records the violations of a key schema list: present, one
// or two elements, each with a named attribute and a key type.
func (v *violations) checkKeySchema(path string, ks []KeySchemaElement) {
	switch {
	case ks == nil:
		v.add(nullValue, path, cNotNull)
		return
	case len(ks) == 0:
		v.add(quote("[]"), path, cMinLen(1))
	case len(ks) > 2:
		v.add(quote(renderKeySchema(ks)), path, cMaxLen(2))
	}
	for i, k := range ks {
		member := path + "." + strconv.Itoa(i+1) + ".member."
		v.checkAttributeName(member+"attributeName", k.AttributeName)
		switch k.KeyType {
		case "":
			v.add(nullValue, member+"keyType", cNotNull)
		case KeyTypeHash, KeyTypeRange:
		default:
			v.add(quote(string(k.KeyType)), member+"keyType", cEnum("HASH", "RANGE"))
		}
	}
}

// checkAttributeDefinitions records the violations of each attribute
// definition: DynamoDB reports the type before the name.
func (v *violations) checkAttributeDefinitions(path string, defs []AttributeDefinition) {
	for i, d := range defs {
		member := path + "." + strconv.Itoa(i+1) + ".member."
		switch d.AttributeType {
		case "":
			v.add(nullValue, member+"attributeType", cNotNull)
		case ScalarAttributeTypeS, ScalarAttributeTypeN, ScalarAttributeTypeB:
		default:
			v.add(quote(string(d.AttributeType)), member+"attributeType", cEnum("B", "N", "S"))
		}
		v.checkAttributeName(member+"attributeName", d.AttributeName)
	}
}

// checkProjection records the violations of an index's projection.
func (v *violations) checkProjection(path string, p *Projection) {
	if p == nil {
		v.add(nullValue, path, cNotNull)
		return
	}
	switch p.ProjectionType {
	case "", ProjectionTypeAll, ProjectionTypeKeysOnly, ProjectionTypeInclude:
	default:
		v.add(quote(string(p.ProjectionType)), path+".projectionType", cEnum("ALL", "INCLUDE", "KEYS_ONLY"))
	}
	if p.NonKeyAttributes != nil && len(p.NonKeyAttributes) == 0 {
		v.add(quote("[]"), path+".nonKeyAttributes", cMinLen(1))
	}
}

// checkStream records the violations of a stream specification.
func (v *violations) checkStream(path string, s *StreamSpecification) {
	if s == nil {
		return
	}
	if s.StreamEnabled == nil {
		v.add(nullValue, path+".streamEnabled", cNotNull)
	}
	switch s.StreamViewType {
	case "", StreamViewTypeKeysOnly, StreamViewTypeNewImage, StreamViewTypeOldImage, StreamViewTypeNewAndOldImages:
	default:
		v.add(quote(string(s.StreamViewType)), path+".streamViewType",
			cEnum("OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"))
	}
}

// checkSSE records the violations of an encryption specification.
func (v *violations) checkSSE(path string, s *SSESpecification) {
	if s == nil {
		return
	}
	switch s.SSEType {
	case "", SSETypeAES256, SSETypeKMS:
	default:
		v.add(quote(string(s.SSEType)), path+".sSEType", cEnum("AES256", "KMS"))
	}
}

// checkBillingMode records an unknown billing mode.
func (v *violations) checkBillingMode(path string, m BillingMode) {
	switch m {
	case "", BillingModeProvisioned, BillingModePayPerRequest:
	default:
		v.add(quote(string(m)), path, cEnum("PROVISIONED", "PAY_PER_REQUEST"))
	}
}
