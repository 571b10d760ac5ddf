package meta

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// dispatchTags runs the tagging operations; any other operation is
// unknown.
func (c *Controller) dispatchTags(req controlRequest) (out any, changed bool, err error) {
	switch req.Op {
	case OpTagResource:
		var in catalog.TagResourceInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		err := c.cat.TagResource(&in)
		return nil, err == nil, err
	case OpUntagResource:
		var in catalog.UntagResourceInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		err := c.cat.UntagResource(&in)
		return nil, err == nil, err
	case OpListTagsOfResource:
		var in catalog.ListTagsOfResourceInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.ListTagsOfResource(&in)
		return out, false, err
	}
	return nil, false, &dberr.UnknownOperationException{Message: fmt.Sprintf("meta: unknown control operation %q", req.Op)}
}
