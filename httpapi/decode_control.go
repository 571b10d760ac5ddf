package httpapi

import (
	"github.com/embeddynamo/dynamo/internal/catalog"
)

// structList reads a list of structures of the named shape, calling elem
// for each present element.
func structList(v []byte, shape string, elem func(e []byte) error) error {
	ok, err := list(v)
	if !ok || err != nil {
		return err
	}
	return eachElement(v, func(e []byte) error {
		present, err := object(e, shape, true)
		if !present || err != nil {
			return err
		}
		return elem(e)
	})
}

func keySchema(v []byte) ([]catalog.KeySchemaElement, error) {
	if isNull(v) {
		return nil, nil
	}
	out := []catalog.KeySchemaElement{}
	err := structList(v, "KeySchemaElement", func(e []byte) error {
		var k catalog.KeySchemaElement
		err := eachMember(e, func(f string, fv []byte) (err error) {
			switch f {
			case "AttributeName":
				k.AttributeName, err = str(fv)
			case "KeyType":
				var s string
				s, err = str(fv)
				k.KeyType = catalog.KeyType(s)
			}
			return err
		})
		out = append(out, k)
		return err
	})
	return out, err
}

func attributeDefinitions(v []byte) ([]catalog.AttributeDefinition, error) {
	if isNull(v) {
		return nil, nil
	}
	out := []catalog.AttributeDefinition{}
	err := structList(v, "AttributeDefinition", func(e []byte) error {
		var a catalog.AttributeDefinition
		err := eachMember(e, func(f string, fv []byte) (err error) {
			switch f {
			case "AttributeName":
				a.AttributeName, err = str(fv)
			case "AttributeType":
				var s string
				s, err = str(fv)
				a.AttributeType = catalog.ScalarAttributeType(s)
			}
			return err
		})
		out = append(out, a)
		return err
	})
	return out, err
}

func provisionedThroughput(v []byte) (*catalog.ProvisionedThroughput, error) {
	present, err := object(v, "ProvisionedThroughput", false)
	if !present || err != nil {
		return nil, err
	}
	pt := &catalog.ProvisionedThroughput{}
	err = eachMember(v, func(f string, fv []byte) (err error) {
		switch f {
		case "ReadCapacityUnits":
			pt.ReadCapacityUnits, err = int64Member(fv)
		case "WriteCapacityUnits":
			pt.WriteCapacityUnits, err = int64Member(fv)
		}
		return err
	})
	return pt, err
}

func projection(v []byte) (*catalog.Projection, error) {
	present, err := object(v, "Projection", false)
	if !present || err != nil {
		return nil, err
	}
	p := &catalog.Projection{}
	err = eachMember(v, func(f string, fv []byte) (err error) {
		switch f {
		case "ProjectionType":
			var s string
			s, err = str(fv)
			p.ProjectionType = catalog.ProjectionType(s)
		case "NonKeyAttributes":
			p.NonKeyAttributes, err = strList(fv)
		}
		return err
	})
	return p, err
}

func streamSpecification(v []byte) (*catalog.StreamSpecification, error) {
	present, err := object(v, "StreamSpecification", false)
	if !present || err != nil {
		return nil, err
	}
	s := &catalog.StreamSpecification{}
	err = eachMember(v, func(f string, fv []byte) (err error) {
		switch f {
		case "StreamEnabled":
			s.StreamEnabled, err = boolean(fv)
		case "StreamViewType":
			var t string
			t, err = str(fv)
			s.StreamViewType = catalog.StreamViewType(t)
		}
		return err
	})
	return s, err
}

func sseSpecification(v []byte) (*catalog.SSESpecification, error) {
	present, err := object(v, "SSESpecification", false)
	if !present || err != nil {
		return nil, err
	}
	s := &catalog.SSESpecification{}
	err = eachMember(v, func(f string, fv []byte) (err error) {
		switch f {
		case "Enabled":
			s.Enabled, err = boolean(fv)
		case "SSEType":
			var t string
			t, err = str(fv)
			s.SSEType = catalog.SSEType(t)
		case "KMSMasterKeyId":
			s.KMSMasterKeyId, err = str(fv)
		}
		return err
	})
	return s, err
}

func tags(v []byte) ([]catalog.Tag, error) {
	if isNull(v) {
		return nil, nil
	}
	out := []catalog.Tag{}
	err := structList(v, "Tag", func(e []byte) error {
		var t catalog.Tag
		err := eachMember(e, func(f string, fv []byte) (err error) {
			switch f {
			case "Key":
				t.Key, err = str(fv)
			case "Value":
				t.Value, err = str(fv)
			}
			return err
		})
		out = append(out, t)
		return err
	})
	return out, err
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
			var s string
			s, err = str(v)
			in.BillingMode = catalog.BillingMode(s)
		case "ProvisionedThroughput":
			in.ProvisionedThroughput, err = provisionedThroughput(v)
		case "GlobalSecondaryIndexes":
			if isNull(v) {
				return nil
			}
			in.GlobalSecondaryIndexes = []catalog.GlobalSecondaryIndex{}
			err = structList(v, "GlobalSecondaryIndex", func(e []byte) error {
				var g catalog.GlobalSecondaryIndex
				err := eachMember(e, func(f string, fv []byte) error {
					return indexFields(f, fv, &g.IndexName, &g.KeySchema, &g.Projection, &g.ProvisionedThroughput)
				})
				in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
				return err
			})
		case "LocalSecondaryIndexes":
			if isNull(v) {
				return nil
			}
			in.LocalSecondaryIndexes = []catalog.LocalSecondaryIndex{}
			err = structList(v, "LocalSecondaryIndex", func(e []byte) error {
				var l catalog.LocalSecondaryIndex
				err := eachMember(e, func(f string, fv []byte) error {
					return indexFields(f, fv, &l.IndexName, &l.KeySchema, &l.Projection, nil)
				})
				in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, l)
				return err
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
			var s string
			s, err = str(v)
			in.TableClass = catalog.TableClass(s)
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
			var s string
			s, err = str(v)
			in.BillingMode = catalog.BillingMode(s)
		case "ProvisionedThroughput":
			in.ProvisionedThroughput, err = provisionedThroughput(v)
		case "GlobalSecondaryIndexUpdates":
			if isNull(v) {
				return nil
			}
			in.GlobalSecondaryIndexUpdates = []catalog.GlobalSecondaryIndexUpdate{}
			err = structList(v, "GlobalSecondaryIndexUpdate", func(e []byte) error {
				var u catalog.GlobalSecondaryIndexUpdate
				err := eachMember(e, func(f string, fv []byte) error {
					switch f {
					case "Create":
						present, err := object(fv, "CreateGlobalSecondaryIndexAction", false)
						if !present || err != nil {
							return err
						}
						u.Create = &catalog.CreateGlobalSecondaryIndexAction{}
						return eachMember(fv, func(f string, fv []byte) error {
							return indexFields(f, fv, &u.Create.IndexName, &u.Create.KeySchema,
								&u.Create.Projection, &u.Create.ProvisionedThroughput)
						})
					case "Update":
						present, err := object(fv, "UpdateGlobalSecondaryIndexAction", false)
						if !present || err != nil {
							return err
						}
						u.Update = &catalog.UpdateGlobalSecondaryIndexAction{}
						return eachMember(fv, func(f string, fv []byte) error {
							return indexFields(f, fv, &u.Update.IndexName, nil, nil, &u.Update.ProvisionedThroughput)
						})
					case "Delete":
						present, err := object(fv, "DeleteGlobalSecondaryIndexAction", false)
						if !present || err != nil {
							return err
						}
						u.Delete = &catalog.DeleteGlobalSecondaryIndexAction{}
						return eachMember(fv, func(f string, fv []byte) error {
							return indexFields(f, fv, &u.Delete.IndexName, nil, nil, nil)
						})
					}
					return nil
				})
				in.GlobalSecondaryIndexUpdates = append(in.GlobalSecondaryIndexUpdates, u)
				return err
			})
		case "StreamSpecification":
			in.StreamSpecification, err = streamSpecification(v)
		case "SSESpecification":
			in.SSESpecification, err = sseSpecification(v)
		case "DeletionProtectionEnabled":
			in.DeletionProtectionEnabled, err = boolean(v)
		case "TableClass":
			var s string
			s, err = str(v)
			in.TableClass = catalog.TableClass(s)
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
