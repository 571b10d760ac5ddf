package httpapi

import (
	"github.com/embeddynamo/dynamo/internal/catalog"
)

func keySchema(v []byte) ([]catalog.KeySchemaElement, error) {
	return structSlice(v, "KeySchemaElement", func(k *catalog.KeySchemaElement, f string, fv []byte) (err error) {
		switch f {
		case "AttributeName":
			k.AttributeName, err = str(fv)
		case "KeyType":
			k.KeyType, err = enum[catalog.KeyType](fv)
		}
		return err
	})
}

func attributeDefinitions(v []byte) ([]catalog.AttributeDefinition, error) {
	return structSlice(v, "AttributeDefinition", func(a *catalog.AttributeDefinition, f string, fv []byte) (err error) {
		switch f {
		case "AttributeName":
			a.AttributeName, err = str(fv)
		case "AttributeType":
			a.AttributeType, err = enum[catalog.ScalarAttributeType](fv)
		}
		return err
	})
}

func provisionedThroughput(v []byte) (*catalog.ProvisionedThroughput, error) {
	return structOf(v, "ProvisionedThroughput", false, func(pt *catalog.ProvisionedThroughput, f string, fv []byte) (err error) {
		switch f {
		case "ReadCapacityUnits":
			pt.ReadCapacityUnits, err = int64Member(fv)
		case "WriteCapacityUnits":
			pt.WriteCapacityUnits, err = int64Member(fv)
		}
		return err
	})
}

func projection(v []byte) (*catalog.Projection, error) {
	return structOf(v, "Projection", false, func(p *catalog.Projection, f string, fv []byte) (err error) {
		switch f {
		case "ProjectionType":
			p.ProjectionType, err = enum[catalog.ProjectionType](fv)
		case "NonKeyAttributes":
			p.NonKeyAttributes, err = strList(fv)
		}
		return err
	})
}

func streamSpecification(v []byte) (*catalog.StreamSpecification, error) {
	return structOf(v, "StreamSpecification", false, func(s *catalog.StreamSpecification, f string, fv []byte) (err error) {
		switch f {
		case "StreamEnabled":
			s.StreamEnabled, err = boolean(fv)
		case "StreamViewType":
			s.StreamViewType, err = enum[catalog.StreamViewType](fv)
		}
		return err
	})
}

func sseSpecification(v []byte) (*catalog.SSESpecification, error) {
	return structOf(v, "SSESpecification", false, func(s *catalog.SSESpecification, f string, fv []byte) (err error) {
		switch f {
		case "Enabled":
			s.Enabled, err = boolean(fv)
		case "SSEType":
			s.SSEType, err = enum[catalog.SSEType](fv)
		case "KMSMasterKeyId":
			s.KMSMasterKeyId, err = str(fv)
		}
		return err
	})
}

func tags(v []byte) ([]catalog.Tag, error) {
	return structSlice(v, "Tag", func(t *catalog.Tag, f string, fv []byte) (err error) {
		switch f {
		case "Key":
			t.Key, err = str(fv)
		case "Value":
			t.Value, err = str(fv)
		}
		return err
	})
}

// indexFields reads the members shared by the index shapes.
func indexFields(f string, fv []byte, name *string, ks *[]catalog.KeySchemaElement,
	proj **catalog.Projection, pt **catalog.ProvisionedThroughput) (err error) {
	switch f {
	case "IndexName":
		*name, err = str(fv)
	case "KeySchema":
		if ks != nil {
			*ks, err = keySchema(fv)
		}
	case "Projection":
		if proj != nil {
			*proj, err = projection(fv)
		}
	case "ProvisionedThroughput":
		if pt != nil {
			*pt, err = provisionedThroughput(fv)
		}
	}
	return err
}

func decodeCreateTable(body []byte) (*catalog.CreateTableInput, error) {
	in := &catalog.CreateTableInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "KeySchema":
			in.KeySchema, err = keySchema(v)
		case "AttributeDefinitions":
			in.AttributeDefinitions, err = attributeDefinitions(v)
		case "BillingMode":
			in.BillingMode, err = enum[catalog.BillingMode](v)
		case "ProvisionedThroughput":
			in.ProvisionedThroughput, err = provisionedThroughput(v)
		case "GlobalSecondaryIndexes":
			if isNull(v) {
				return nil // unlike KeySchema, null leaves an earlier list of the same name
			}
			in.GlobalSecondaryIndexes, err = structSlice(v, "GlobalSecondaryIndex", func(g *catalog.GlobalSecondaryIndex, f string, fv []byte) error {
				return indexFields(f, fv, &g.IndexName, &g.KeySchema, &g.Projection, &g.ProvisionedThroughput)
			})
		case "LocalSecondaryIndexes":
			if isNull(v) {
				return nil
			}
			in.LocalSecondaryIndexes, err = structSlice(v, "LocalSecondaryIndex", func(l *catalog.LocalSecondaryIndex, f string, fv []byte) error {
				return indexFields(f, fv, &l.IndexName, &l.KeySchema, &l.Projection, nil)
			})
		case "StreamSpecification":
			in.StreamSpecification, err = streamSpecification(v)
		case "SSESpecification":
			in.SSESpecification, err = sseSpecification(v)
		case "Tags":
			in.Tags, err = tags(v)
		case "DeletionProtectionEnabled":
			in.DeletionProtectionEnabled, err = boolean(v)
		case "TableClass":
			in.TableClass, err = enum[catalog.TableClass](v)
		}
		return err
	})
	return in, err
}

func decodeUpdateTable(body []byte) (*catalog.UpdateTableInput, error) {
	in := &catalog.UpdateTableInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "AttributeDefinitions":
			in.AttributeDefinitions, err = attributeDefinitions(v)
		case "BillingMode":
			in.BillingMode, err = enum[catalog.BillingMode](v)
		case "ProvisionedThroughput":
			in.ProvisionedThroughput, err = provisionedThroughput(v)
		case "GlobalSecondaryIndexUpdates":
			if isNull(v) {
				return nil
			}
			in.GlobalSecondaryIndexUpdates, err = structSlice(v, "GlobalSecondaryIndexUpdate", func(u *catalog.GlobalSecondaryIndexUpdate, f string, fv []byte) error {
				switch f {
				case "Create":
					return structInto(fv, "CreateGlobalSecondaryIndexAction", &u.Create, func(c *catalog.CreateGlobalSecondaryIndexAction, f string, fv []byte) error {
						return indexFields(f, fv, &c.IndexName, &c.KeySchema, &c.Projection, &c.ProvisionedThroughput)
					})
				case "Update":
					return structInto(fv, "UpdateGlobalSecondaryIndexAction", &u.Update, func(a *catalog.UpdateGlobalSecondaryIndexAction, f string, fv []byte) error {
						return indexFields(f, fv, &a.IndexName, nil, nil, &a.ProvisionedThroughput)
					})
				case "Delete":
					return structInto(fv, "DeleteGlobalSecondaryIndexAction", &u.Delete, func(a *catalog.DeleteGlobalSecondaryIndexAction, f string, fv []byte) error {
						return indexFields(f, fv, &a.IndexName, nil, nil, nil)
					})
				}
				return nil
			})
		case "StreamSpecification":
			in.StreamSpecification, err = streamSpecification(v)
		case "SSESpecification":
			in.SSESpecification, err = sseSpecification(v)
		case "DeletionProtectionEnabled":
			in.DeletionProtectionEnabled, err = boolean(v)
		case "TableClass":
			in.TableClass, err = enum[catalog.TableClass](v)
		}
		return err
	})
	return in, err
}

// decodeTableName reads the input of DescribeTable and DeleteTable.
func decodeTableName(body []byte) (string, error) {
	var table string
	err := eachMember(body, func(name string, v []byte) (err error) {
		if name == "TableName" {
			table, err = str(v)
		}
		return err
	})
	return table, err
}

func decodeListTables(body []byte) (*catalog.ListTablesInput, error) {
	in := &catalog.ListTablesInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "ExclusiveStartTableName":
			in.ExclusiveStartTableName, err = str(v)
		case "Limit":
			in.Limit, err = int32Member(v)
		}
		return err
	})
	return in, err
}

func decodeTagResource(body []byte) (*catalog.TagResourceInput, error) {
	in := &catalog.TagResourceInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "ResourceArn":
			in.ResourceArn, err = str(v)
		case "Tags":
			in.Tags, err = tags(v)
		}
		return err
	})
	return in, err
}

func decodeUntagResource(body []byte) (*catalog.UntagResourceInput, error) {
	in := &catalog.UntagResourceInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "ResourceArn":
			in.ResourceArn, err = str(v)
		case "TagKeys":
			in.TagKeys, err = strList(v)
		}
		return err
	})
	return in, err
}

func decodeListTagsOfResource(body []byte) (*catalog.ListTagsOfResourceInput, error) {
	in := &catalog.ListTagsOfResourceInput{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "ResourceArn":
			in.ResourceArn, err = str(v)
		case "NextToken":
			in.NextToken, err = str(v)
		}
		return err
	})
	return in, err
}
