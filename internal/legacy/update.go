package legacy

import (
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// MsgTypeMismatch is the message of an ADD or DELETE whose value's type
// does not suit the stored attribute.
const MsgTypeMismatch = "Type mismatch for attribute to update"

// CompileAttributeUpdates validates UpdateItem's legacy AttributeUpdates
// and returns the update they state, nil for a nil map. An empty map is an
// update with no actions (UpdateItem then only creates the item's key when
// it is missing). The checks follow dynalite's updateItem validation: each
// value is validated, a missing value is allowed only for DELETE, DELETE
// with a value needs a set, ADD needs a number, a set or a list.
//
// Whether an action suits the stored attribute is known only when the
// update is applied: ADD and DELETE on a stored value of another type then
// fail with MsgTypeMismatch. Key attributes are refused by the Update's
// CheckKeyAttributes, as for UpdateExpression.
func CompileAttributeUpdates(updates map[string]AttributeValueUpdate) (*expr.Update, error) {
	if updates == nil {
		return nil, nil
	}
	var v violations
	v.updates(updates)
	if err := v.err(); err != nil {
		return nil, err
	}
	return compileUpdates(updates)
}

func compileUpdates(updates map[string]AttributeValueUpdate) (*expr.Update, error) {
	actions := make([]expr.Action, 0, len(updates))
	for _, name := range sortedKeys(updates) {
		a, err := updateAction(name, updates[name])
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	return expr.NewUpdate(MsgTypeMismatch, actions...), nil
}

func updateAction(name string, u AttributeValueUpdate) (expr.Action, error) {
	path := expr.AttrPath(name)
	action := u.Action
	if action == "" {
		action = ActionPut
	}
	var value attr.Value
	if u.Value != nil {
		canon, _, err := itemcheck.Value(*u.Value)
		if err != nil {
			return expr.Action{}, err
		}
		value = canon
	}
	if u.Value == nil {
		if action != ActionDelete {
			return expr.Action{}, validation(invalidPrefix + "Only DELETE action is allowed when no attribute value is specified")
		}
		return expr.RemoveAction(path), nil
	}
	switch action {
	case ActionPut:
		return expr.SetAction(path, expr.ValueOperand(value)), nil
	case ActionDelete:
		if !value.Type().IsSet() {
			return expr.Action{}, validation(invalidPrefix + "DELETE action with value is not supported for the type " + value.Type().String())
		}
		return expr.DeleteAction(path, value), nil
	case ActionAdd:
		switch value.Type() {
		case attr.TypeN, attr.TypeSS, attr.TypeNS, attr.TypeBS, attr.TypeL:
			return expr.AddAction(path, value), nil
		}
		return expr.Action{}, validation(invalidPrefix + "ADD action is not supported for the type " + value.Type().String())
	}
	var v violations
	v.enum(action, "attributeUpdates."+name+".member.action", actionSet)
	return expr.Action{}, v.err()
}
