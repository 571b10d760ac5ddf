package catalog

import (
	"fmt"
	"strconv"
)

// DynamoDB's per-table limits on indexes and tags.
const (
	MaxGlobalSecondaryIndexes = 20
	MaxLocalSecondaryIndexes  = 5
	// MaxProjectedAttributes bounds the NonKeyAttributes of INCLUDE
	// projections summed over all indexes of a table.
	MaxProjectedAttributes = 100
	// MaxTags bounds the tags of one table.
	MaxTags = 50
	// MaxListTablesLimit is the largest ListTables Limit.
	MaxListTablesLimit = 100
	// capacityBound is the value above which DynamoDB calls a capacity
	// "out of bounds" before looking at account limits.
	capacityBound = 1_000_000_000_000
)

// ValidateCreateTable checks a CreateTable request on its own, without the
// catalog: first every per-field constraint (reported together in one
// envelope), then the rules between fields, in DynamoDB's order; the first
// broken rule is reported. Errors are *dberr.ValidationException.
func ValidateCreateTable(in *CreateTableInput) error {
	var v violations
	if in.AttributeDefinitions == nil {
		v.add(nullValue, "attributeDefinitions", cNotNull)
	}
	v.checkAttributeDefinitions("attributeDefinitions", in.AttributeDefinitions)
	v.checkName("tableName", in.TableName)
	v.checkBillingMode("billingMode", in.BillingMode)
	if in.ProvisionedThroughput != nil {
		v.checkThroughput("provisionedThroughput", in.ProvisionedThroughput)
	}
	v.checkKeySchema("keySchema", in.KeySchema)
	for i, lsi := range in.LocalSecondaryIndexes {
		path := "localSecondaryIndexes." + strconv.Itoa(i+1) + ".member"
		v.checkName(path+".indexName", lsi.IndexName)
		v.checkKeySchema(path+".keySchema", lsi.KeySchema)
		v.checkProjection(path+".projection", lsi.Projection)
	}
	for i, gsi := range in.GlobalSecondaryIndexes {
		path := "globalSecondaryIndexes." + strconv.Itoa(i+1) + ".member"
		v.checkName(path+".indexName", gsi.IndexName)
		v.checkKeySchema(path+".keySchema", gsi.KeySchema)
		v.checkProjection(path+".projection", gsi.Projection)
		if gsi.ProvisionedThroughput != nil {
			v.checkThroughput(path+".provisionedThroughput", gsi.ProvisionedThroughput)
		}
	}
	v.checkStream("streamSpecification", in.StreamSpecification)
	v.checkSSE("sSESpecification", in.SSESpecification)
	if err := v.err(); err != nil {
		return err
	}
	return createTableRules(in)
}

// createTableRules applies the rules between CreateTable's fields, once every
// field is well formed.
func createTableRules(in *CreateTableInput) error {
	if in.TableClass != "" && in.TableClass != TableClassStandard && in.TableClass != TableClassStandardInfrequentAccess {
		return invalid(MsgInvalidTableClass)
	}
	if in.BillingMode == BillingModePayPerRequest {
		if in.ProvisionedThroughput != nil {
			return invalid(MsgPayPerRequestNoCapacity)
		}
	} else {
		if in.ProvisionedThroughput == nil {
			return invalid(MsgProvisionedNeedsBoth)
		}
		if err := capacityInBounds(in.ProvisionedThroughput, ""); err != nil {
			return err
		}
	}
	if err := duplicateDefinitions(in.AttributeDefinitions); err != nil {
		return err
	}
	defs := defNames(in.AttributeDefinitions)
	keys := keyNames(in.KeySchema)
	if len(keys) > len(defs) {
		return invalid(MsgKeyNoDefinition)
	}
	if err := keysDefined(keys, defs); err != nil {
		return err
	}
	if err := keyOrder(in.KeySchema); err != nil {
		return err
	}
	hasIndexes := in.LocalSecondaryIndexes != nil || in.GlobalSecondaryIndexes != nil
	if !hasIndexes && len(keys) != len(defs) {
		return invalid(MsgDefinitionCount)
	}
	names := make(map[string]bool)
	used := append([]string(nil), keys...)
	projected := 0
	if in.LocalSecondaryIndexes != nil {
		if len(in.LocalSecondaryIndexes) == 0 {
			return invalid(MsgLSIsEmpty)
		}
		if len(in.KeySchema) != 2 {
			return invalid(MsgLSINeedsTableRange)
		}
		for _, lsi := range in.LocalSecondaryIndexes {
			if err := indexKeyRules(lsi.KeySchema, defs); err != nil {
				return err
			}
			if len(lsi.KeySchema) != 2 {
				return invalidf("Index KeySchema does not have a range key for index: %s", lsi.IndexName)
			}
			if hash, tableHash := lsi.KeySchema[0].AttributeName, in.KeySchema[0].AttributeName; hash != tableHash {
				return invalidf("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s",
					lsi.IndexName, hash, tableHash)
			}
			if err := projectionRules(lsi.Projection); err != nil {
				return err
			}
			if names[lsi.IndexName] {
				return invalidf("Duplicate index name: %s", lsi.IndexName)
			}
			names[lsi.IndexName] = true
			used = appendNew(used, keyNames(lsi.KeySchema)...)
			projected += len(lsi.Projection.NonKeyAttributes)
		}
		if len(in.LocalSecondaryIndexes) > MaxLocalSecondaryIndexes {
			return invalid(MsgTooManyLSIs)
		}
	}
	if in.GlobalSecondaryIndexes != nil {
		if len(in.GlobalSecondaryIndexes) == 0 {
			return invalid(MsgGSIsEmpty)
		}
		for _, gsi := range in.GlobalSecondaryIndexes {
			if err := indexKeyRules(gsi.KeySchema, defs); err != nil {
				return err
			}
			if err := projectionRules(gsi.Projection); err != nil {
				return err
			}
			if err := gsiThroughputRules(in.BillingMode, gsi.IndexName, gsi.ProvisionedThroughput, false); err != nil {
				return err
			}
			if names[gsi.IndexName] {
				return invalidf("Duplicate index name: %s", gsi.IndexName)
			}
			names[gsi.IndexName] = true
			used = appendNew(used, keyNames(gsi.KeySchema)...)
			projected += len(gsi.Projection.NonKeyAttributes)
		}
		if len(in.GlobalSecondaryIndexes) > MaxGlobalSecondaryIndexes {
			return invalid(MsgTooManyGSIs)
		}
	}
	if hasIndexes && len(used) != len(defs) {
		return invalidf("Some AttributeDefinitions are not used. AttributeDefinitions: %s, keys used: %s", joinNames(defs), joinNames(used))
	}
	if projected > MaxProjectedAttributes {
		return invalid(MsgTooManyProjected)
	}
	if s := in.StreamSpecification; s != nil {
		if *s.StreamEnabled && s.StreamViewType == "" {
			return invalid(MsgCreateStreamNeedsViewType)
		}
		if !*s.StreamEnabled && s.StreamViewType != "" {
			return invalid(MsgCreateStreamNoViewType)
		}
	}
	if err := sseRules(in.SSESpecification); err != nil {
		return err
	}
	return tagRules(in.Tags)
}

// appendNew appends each name not yet in list.
func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		found := false
		for _, have := range list {
			if have == n {
				found = true
				break
			}
		}
		if !found {
			list = append(list, n)
		}
	}
	return list
}

func duplicateDefinitions(defs []AttributeDefinition) error {
	seen := make(map[string]bool, len(defs))
	for _, d := range defs {
		if seen[d.AttributeName] {
			return invalid("Attribute Name is duplicated: " + d.AttributeName)
		}
		seen[d.AttributeName] = true
	}
	return nil
}

func keysDefined(keys, defs []string) error {
	for _, k := range keys {
		if !contains(defs, k) {
			return invalidf("Some index key attributes are not defined in AttributeDefinitions. Keys: %s, AttributeDefinitions: %s",
				joinNames(keys), joinNames(defs))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, have := range list {
		if have == s {
			return true
		}
	}
	return false
}

// keyOrder checks that a one- or two-element key schema is HASH, then RANGE,
// with two different names.
func keyOrder(ks []KeySchemaElement) error {
	if len(ks) == 2 && ks[0].AttributeName == ks[1].AttributeName {
		return invalid(MsgSameKeyNames)
	}
	if ks[0].KeyType != KeyTypeHash {
		return invalid(MsgFirstNotHash)
	}
	if len(ks) == 2 && ks[1].KeyType != KeyTypeRange {
		return invalid(MsgSecondNotRange)
	}
	return nil
}

// indexKeyRules checks an index's key schema against the definitions.
func indexKeyRules(ks []KeySchemaElement, defs []string) error {
	if err := keysDefined(keyNames(ks), defs); err != nil {
		return err
	}
	return keyOrder(ks)
}

// projectionRules checks the type and attributes of a present projection.
func projectionRules(p *Projection) error {
	if p.ProjectionType == "" {
		return invalid(MsgUnknownProjection)
	}
	if p.NonKeyAttributes != nil && p.ProjectionType != ProjectionTypeInclude {
		return invalidf("ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
	}
	if p.ProjectionType == ProjectionTypeInclude && p.NonKeyAttributes == nil {
		return invalidf("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
	}
	seen := make(map[string]bool, len(p.NonKeyAttributes))
	for _, a := range p.NonKeyAttributes {
		if seen[a] {
			return invalidf("Duplicate element in NonKeyAttributes: %s", a)
		}
		seen[a] = true
	}
	return nil
}

// gsiThroughputRules checks a global index's capacity against the table's
// billing mode (empty: PROVISIONED). update selects UpdateTable's wording.
func gsiThroughputRules(mode BillingMode, index string, pt *ProvisionedThroughput, update bool) error {
	if mode == BillingModePayPerRequest {
		if pt == nil {
			return nil
		}
		if update {
			return invalidf("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: %s when BillingMode is PAY_PER_REQUEST", index)
		}
		return invalidf("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", index)
	}
	if pt == nil {
		if update {
			return invalidf("ProvisionedThroughput must be specified for index: %s", index)
		}
		return invalidf("ProvisionedThroughput is not specified for index: %s", index)
	}
	return capacityInBounds(pt, index)
}

// capacityInBounds applies DynamoDB's absolute bound on a capacity value.
func capacityInBounds(pt *ProvisionedThroughput, index string) error {
	suffix := ""
	if index != "" {
		suffix = " for index " + index
	}
	if r := pt.ReadCapacityUnits; r != nil && *r > capacityBound {
		return invalid(fmt.Sprintf("Given value %d for ReadCapacityUnits is out of bounds%s", *r, suffix))
	}
	if w := pt.WriteCapacityUnits; w != nil && *w > capacityBound {
		return invalid(fmt.Sprintf("Given value %d for WriteCapacityUnits is out of bounds%s", *w, suffix))
	}
	return nil
}

func sseRules(s *SSESpecification) error {
	if s == nil || s.Enabled == nil || *s.Enabled {
		return nil
	}
	if s.SSEType != "" {
		return invalid(MsgSSETypeWhenDisabled)
	}
	if s.KMSMasterKeyId != "" {
		return invalid(MsgKMSKeyWhenDisabled)
	}
	return nil
}

func tagRules(tags []Tag) error {
	return checkTags(tags)
}

// ValidateUpdateTable checks an UpdateTable request on its own: per-field
// constraints first, then the rules between fields. Rules that need the
// table (billing mode, unchanged capacity, index existence) are applied by
// Catalog.UpdateTable.
func ValidateUpdateTable(in *UpdateTableInput) error {
	var v violations
	v.checkName("tableName", in.TableName)
	v.checkAttributeDefinitions("attributeDefinitions", in.AttributeDefinitions)
	v.checkBillingMode("billingMode", in.BillingMode)
	if in.ProvisionedThroughput != nil {
		v.checkThroughput("provisionedThroughput", in.ProvisionedThroughput)
	}
	for i, u := range in.GlobalSecondaryIndexUpdates {
		path := "globalSecondaryIndexUpdates." + strconv.Itoa(i+1) + ".member"
		if u.Update != nil {
			v.checkName(path+".update.indexName", u.Update.IndexName)
			if u.Update.ProvisionedThroughput == nil {
				v.add(nullValue, path+".update.provisionedThroughput", cNotNull)
			} else {
				v.checkThroughput(path+".update.provisionedThroughput", u.Update.ProvisionedThroughput)
			}
		}
		if c := u.Create; c != nil {
			v.checkName(path+".create.indexName", c.IndexName)
			v.checkKeySchema(path+".create.keySchema", c.KeySchema)
			v.checkProjection(path+".create.projection", c.Projection)
			if c.ProvisionedThroughput != nil {
				v.checkThroughput(path+".create.provisionedThroughput", c.ProvisionedThroughput)
			}
		}
		if u.Delete != nil {
			v.checkName(path+".delete.indexName", u.Delete.IndexName)
		}
	}
	v.checkStream("streamSpecification", in.StreamSpecification)
	v.checkSSE("sSESpecification", in.SSESpecification)
	if err := v.err(); err != nil {
		return err
	}
	return updateTableRules(in)
}

func updateTableRules(in *UpdateTableInput) error {
	hasStream := in.StreamSpecification != nil
	hasGSI := len(in.GlobalSecondaryIndexUpdates) > 0
	if in.ProvisionedThroughput == nil && in.BillingMode == "" && !hasStream && !hasGSI &&
		in.SSESpecification == nil && in.DeletionProtectionEnabled == nil && in.TableClass == "" {
		return invalid(MsgNoUpdate)
	}
	if in.TableClass != "" && in.TableClass != TableClassStandard && in.TableClass != TableClassStandardInfrequentAccess {
		return invalid(MsgInvalidTableClass)
	}
	if in.ProvisionedThroughput != nil {
		if err := capacityInBounds(in.ProvisionedThroughput, ""); err != nil {
			return err
		}
	}
	seen := make(map[string]bool)
	createsOrDeletes := false
	for _, u := range in.GlobalSecondaryIndexUpdates {
		actions := 0
		name := ""
		if u.Update != nil {
			actions++
			name = u.Update.IndexName
		}
		if u.Create != nil {
			actions++
			name = u.Create.IndexName
			createsOrDeletes = true
		}
		if u.Delete != nil {
			actions++
			name = u.Delete.IndexName
			createsOrDeletes = true
		}
		if actions == 0 {
			return invalid(MsgGSIUpdateEmpty)
		}
		if actions > 1 {
			return invalid(MsgGSIUpdateMany)
		}
		if seen[name] {
			return invalidf("Only one global secondary index update per index is allowed simultaneously. Index: %s", name)
		}
		seen[name] = true
		if u.Update != nil {
			if err := capacityInBounds(u.Update.ProvisionedThroughput, name); err != nil {
				return err
			}
		}
		if c := u.Create; c != nil {
			if err := keyOrder(c.KeySchema); err != nil {
				return err
			}
			if err := projectionRules(c.Projection); err != nil {
				return err
			}
		}
	}
	others := func(exclude string) bool {
		n := 0
		if in.ProvisionedThroughput != nil || in.BillingMode != "" {
			n++
		}
		if hasStream {
			n++
		}
		if hasGSI {
			n++
		}
		if in.SSESpecification != nil && exclude != "sse" {
			n++
		}
		if in.DeletionProtectionEnabled != nil && exclude != "dp" {
			n++
		}
		if in.TableClass != "" && exclude != "class" {
			n++
		}
		return n > 0
	}
	if in.SSESpecification != nil && others("sse") {
		return invalid(MsgSSEOnly)
	}
	if in.TableClass != "" && others("class") {
		return invalid(MsgTableClassOnly)
	}
	if in.DeletionProtectionEnabled != nil && others("dp") {
		return invalid(MsgDeletionProtectionOnly)
	}
	if hasStream && in.ProvisionedThroughput != nil {
		return invalid(MsgStreamWithIOPS)
	}
	if createsOrDeletes && in.ProvisionedThroughput != nil {
		return invalid(MsgIndexWithIOPS)
	}
	if createsOrDeletes && hasStream {
		return invalid(MsgIndexWithStream)
	}
	if s := in.StreamSpecification; s != nil {
		if *s.StreamEnabled && s.StreamViewType == "" {
			return invalid(MsgUpdateStreamNeedsViewType)
		}
		if !*s.StreamEnabled && s.StreamViewType != "" {
			return invalid(MsgUpdateStreamNoViewType)
		}
	}
	if err := duplicateDefinitions(in.AttributeDefinitions); err != nil {
		return err
	}
	return sseRules(in.SSESpecification)
}

// ValidateTableName checks the TableName of DescribeTable or DeleteTable.
func ValidateTableName(name string) error {
	var v violations
	v.checkName("tableName", name)
	return v.err()
}

// ValidateListTables checks a ListTables request.
func ValidateListTables(in *ListTablesInput) error {
	var v violations
	if s := in.ExclusiveStartTableName; s != "" {
		// DynamoDB reports the pattern before the length for this field.
		if !validName(s) {
			v.add(quote(s), "exclusiveStartTableName", cPattern)
		}
		if n := len([]rune(s)); n < MinNameLength {
			v.add(quote(s), "exclusiveStartTableName", cMinLen(MinNameLength))
		} else if n > MaxNameLength {
			v.add(quote(s), "exclusiveStartTableName", cMaxLen(MaxNameLength))
		}
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			v.add(quote(strconv.Itoa(int(*in.Limit))), "limit", cMinVal(1))
		} else if *in.Limit > MaxListTablesLimit {
			v.add(quote(strconv.Itoa(int(*in.Limit))), "limit", cMaxVal(MaxListTablesLimit))
		}
	}
	return v.err()
}
