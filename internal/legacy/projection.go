package legacy

import (
	"github.com/embeddynamo/dynamo/internal/expr"
)

// CompileAttributesToGet validates a legacy AttributesToGet list (1 to 255
// names, none twice) and returns the projection of those top-level
// attributes, or nil when the request has no AttributesToGet. Names are
// literal: "a.b" names the attribute called a.b, not b inside a.
func CompileAttributesToGet(names []string) (*expr.Projection, error) {
	if names == nil {
		return nil, nil
	}
	var v violations
	v.attributesToGet(names)
	if err := v.err(); err != nil {
		return nil, err
	}
	return compileAttributesToGet(names)
}

func compileAttributesToGet(names []string) (*expr.Projection, error) {
	if dup, ok := duplicate(names); ok {
		return nil, validation(invalidPrefix + "Duplicate value in attribute name: " + dup)
	}
	paths := make([]expr.Path, len(names))
	for i, n := range names {
		paths[i] = expr.AttrPath(n)
	}
	return expr.NewProjection(paths...), nil
}

// duplicate returns the first name that repeats an earlier one.
func duplicate(names []string) (string, bool) {
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		if _, ok := seen[n]; ok {
			return n, true
		}
		seen[n] = struct{}{}
	}
	return "", false
}
