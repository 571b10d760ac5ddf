package expr

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

type parseCase struct {
	name string
	kind string // cond, filter, update, proj
	src  string
	err  string // exact message; "" when the expression is valid
}

func parseAny(kind, src string) error {
	var err error
	switch kind {
	case "cond":
		_, err = ParseCondition(src, testNames, testValues)
	case "filter":
		_, err = ParseFilter(src, testNames, testValues)
	case "update":
		_, err = ParseUpdate(src, testNames, testValues)
	case "proj":
		_, err = ParseProjection(src, testNames)
	}
	return err
}

const (
	ce = "Invalid ConditionExpression: "
	ue = "Invalid UpdateExpression: "
	pe = "Invalid ProjectionExpression: "
	fe = "Invalid FilterExpression: "
)

var parseCases = []parseCase{
	// Valid condition shapes: every operator and function.
	{"equality", "cond", "a = :s", ""},
	{"not equal", "cond", "a <> :s", ""},
	{"less than", "cond", "a < :n", ""},
	{"less or equal", "cond", "a <= :n", ""},
	{"greater than", "cond", "a > :n", ""},
	{"greater or equal", "cond", "a >= :n", ""},
	{"value on the left", "cond", ":n < a", ""},
	{"between", "cond", "a BETWEEN :n AND :n5", ""},
	{"between lower case keywords", "cond", "a between :n and :n5", ""},
	{"in with one operand", "cond", "a IN (:s)", ""},
	{"in with paths and values", "cond", "a IN (:s, b, c.d)", ""},
	{"attribute_exists", "cond", "attribute_exists(a)", ""},
	{"attribute_not_exists", "cond", "attribute_not_exists(a.b[1])", ""},
	{"attribute_type", "cond", "attribute_type(a, :tS)", ""},
	{"begins_with string", "cond", "begins_with(a, :s)", ""},
	{"begins_with binary", "cond", "begins_with(a, :b)", ""},
	{"contains", "cond", "contains(a, :s)", ""},
	{"size as operand", "cond", "size(a) > :n", ""},
	{"size of a value", "cond", "size(:s) = :n", ""},
	{"size on both sides", "cond", "size(a) = size(b)", ""},
	{"and or not", "cond", "NOT a = :s AND b = :s OR c = :s", ""},
	{"parenthesised condition", "cond", "(a = :s OR b = :s) AND c = :s", ""},
	{"not of parentheses", "cond", "NOT (a = :s)", ""},
	{"parenthesised operand", "cond", "(a) = :s", ""},
	{"nested document path", "cond", "a.b[3].c = :s", ""},
	{"name placeholders in every step", "cond", "#a.#a[1].#s = :s", ""},
	{"reserved word behind placeholder", "cond", "#s = :s", ""},
	{"whitespace everywhere", "cond", " \t a\n=\r:s ", ""},
	{"function with spaces before paren", "cond", "attribute_exists (a)", ""},
	{"path with spaces around dot", "cond", "a . b = :s", ""},
	{"names with underscores and digits", "cond", "a_1_b = :s", ""},
	{"name starting with underscore", "cond", "_a_1 = :s", ce + `Syntax error; token: "_", near: "_a_1"`},
	{"name starting with digit", "cond", "1a = :s", ce + `Syntax error; token: "1", near: "1a"`},
	{"index with leading zero", "cond", "a[01] = :s", ce + `Syntax error; token: "1", near: "01]"`},
	{"index zero", "cond", "a[0] = :s", ""},
	{"placeholders may start with digits or underscore", "cond", "#a = :s", ""},
	{"update keyword is no name in a condition", "cond", "set = :s", ce + `Syntax error; token: "set", near: "set ="`},
	{"single quoted string is one token", "cond", "a = 'it''s'", ce + `Syntax error; token: "'it'", near: "= 'it''s'"`},
	{"unclosed quote is one character", "cond", `a = "x`, ce + `Syntax error; token: """, near: "= "x"`},
	{"filter grammar is condition grammar", "filter", "a = :s AND contains(b, :s)", ""},
	{"in listing 99 operands", "cond", "a IN (" + strings.TrimSuffix(strings.Repeat(":n,", 99), ",") + ")", ""},
	{"path of 32 levels", "cond", "a" + strings.Repeat(".b", 31) + " = :s", ""},

	// Syntax errors: token and near as DynamoDB reports them.
	{"two names", "cond", "a b", ce + `Syntax error; token: "b", near: "a b"`},
	{"bad characters", "cond", "!!!", ce + `Syntax error; token: "!", near: "!!"`},
	{"missing right operand", "cond", "a =", ce + `Syntax error; token: "<EOF>", near: "="`},
	{"missing operator", "cond", "a", ce + `Syntax error; token: "<EOF>", near: "a"`},
	{"bang equals", "cond", "a != :s", ce + `Syntax error; token: "!", near: "a !="`},
	{"double equals", "cond", "a == :s", ce + `Syntax error; token: "=", near: "== :s"`},
	{"dangling and", "cond", "a = :s AND", ce + `Syntax error; token: "<EOF>", near: "AND"`},
	{"dangling or", "cond", "a = :s OR", ce + `Syntax error; token: "<EOF>", near: "OR"`},
	{"and without left side", "cond", "AND a = :s", ce + `Syntax error; token: "AND", near: "AND a"`},
	{"not not", "cond", "NOT NOT a = :s", ""},
	{"dangling not", "cond", "NOT", ce + `Syntax error; token: "<EOF>", near: "NOT"`},
	{"unclosed parenthesis", "cond", "(a = :s", ce + `Syntax error; token: "<EOF>", near: ":s"`},
	{"extra close parenthesis", "cond", "a = :s)", ce + `Syntax error; token: ")", near: ":s)"`},
	{"function without arguments", "cond", "attribute_type()", ce + `Syntax error; token: ")", near: "()"`},
	{"in without parentheses", "cond", "a IN :s", ce + `Syntax error; token: ":s", near: "IN :s"`},
	{"in with empty list", "cond", "a IN ()", ce + `Syntax error; token: ")", near: "()"`},
	{"between without and", "cond", "a BETWEEN :n", ce + `Syntax error; token: "<EOF>", near: ":n"`},
	{"lone hash", "cond", "# = :s", ce + `Syntax error; token: "#", near: "# ="`},
	{"lone colon", "cond", "a = :", ce + `Syntax error; token: ":", near: "= :"`},
	{"keyword as name", "cond", "and = :s", ce + `Syntax error; token: "and", near: "and ="`},
	{"between as name", "cond", "a = between", ce + `Syntax error; token: "between", near: "= between"`},
	{"trailing dot", "cond", "a. = :s", ce + `Syntax error; token: "=", near: ". = :s"`},
	{"index without number", "cond", "a[b] = :s", ce + `Syntax error; token: "b", near: "[b]"`},
	{"negative index", "cond", "a[-1] = :s", ce + `Syntax error; token: "-", near: "[-1"`},
	{"value as path step", "cond", "a.:s = :s", ce + `Syntax error; token: ":s", near: ".:s ="`},
	{"number as operand", "cond", "a = 1", ce + `Syntax error; token: "1", near: "= 1"`},
	{"string literal", "cond", `a = "x"`, ce + `Syntax error; token: ""x"", near: "= "x""`},
	{"non ascii character", "cond", "a = é", ce + `Syntax error; token: "é", near: "= é"`},
	{"comma in condition", "cond", "a = :s, b = :s", ce + `Syntax error; token: ",", near: ":s, b"`},
	{"arithmetic in condition", "cond", "a = :n + :n", ce + `Syntax error; token: "+", near: ":n + :n"`},
	{"filter syntax error names filter", "filter", "a b", fe + `Syntax error; token: "b", near: "a b"`},

	// Empty and oversized expressions.
	{"empty condition", "cond", "", ce + "The expression can not be empty;"},
	{"blank condition", "cond", "   ", ce + "The expression can not be empty;"},
	{"empty filter", "filter", "", fe + "The expression can not be empty;"},
	{"empty update", "update", "", ue + "The expression can not be empty;"},
	{"empty projection", "proj", "", pe + "The expression can not be empty;"},
	{"condition over 4 KB", "cond", "a = :s OR " + strings.Repeat("a = :s OR ", 409) + "a = :s", ce + "Expression size has exceeded the maximum allowed size; expression size: 4106"},
	{"condition of exactly 4 KB", "cond", strings.Repeat(" ", 4090) + "a = :s", ""},
	{"projection over 4 KB", "proj", strings.Repeat("a,", 2048) + "a", pe + "Expression size has exceeded the maximum allowed size; expression size: 4097"},

	// Semantic errors of conditions.
	{"redundant parentheses around condition", "cond", "((a = :s))", ce + "The expression has redundant parentheses;"},
	{"redundant parentheses around operand", "cond", "((a)) = :s", ce + "The expression has redundant parentheses;"},
	{"redundant parentheses win over reserved word", "cond", "((status = :s))", ce + "The expression has redundant parentheses;"},
	{"triple parentheses around a function", "cond", "((attribute_not_exists(pk)))", ce + "The expression has redundant parentheses;"},
	{"contains of one placeholder twice", "cond", "contains(#s, #s)", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [status]"},
	{"reserved word", "cond", "status = :s", ce + "Attribute name is a reserved keyword; reserved keyword: status"},
	{"reserved word keeps its case", "cond", "StAtUs = :s", ce + "Attribute name is a reserved keyword; reserved keyword: StAtUs"},
	{"reserved word in nested step", "cond", "a.size = :s", ce + "Attribute name is a reserved keyword; reserved keyword: size"},
	{"reserved word in function argument", "cond", "attribute_exists(name)", ce + "Attribute name is a reserved keyword; reserved keyword: name"},
	{"undefined name", "cond", "#x = :s", ce + "An expression attribute name used in the document path is not defined; attribute name: #x"},
	{"undefined value", "cond", "a = :x", ce + "An expression attribute value used in expression is not defined; attribute value: :x"},
	{"first undefined wins", "cond", "a = :x AND #x = :s", ce + "An expression attribute value used in expression is not defined; attribute value: :x"},
	{"first undefined in one clause wins", "cond", "#x = :x", ce + "An expression attribute name used in the document path is not defined; attribute name: #x"},
	{"reserved word before undefined name", "cond", "#x = :s AND status = :s", ce + "Attribute name is a reserved keyword; reserved keyword: status"},
	{"unknown function", "cond", "foo(a)", ce + "Invalid function name; function: foo"},
	{"unknown function as operand", "cond", "foo(a) = :s", ce + "Invalid function name; function: foo"},
	{"function names are case sensitive", "cond", "Attribute_Exists(a)", ce + "Invalid function name; function: Attribute_Exists"},
	{"update function in condition", "cond", "if_not_exists(a, :s) = :s", ce + "Invalid function name; function: if_not_exists"},
	{"unknown function wins over reserved word", "cond", "status = :s AND foo(a)", ce + "Invalid function name; function: foo"},
	{"size as condition", "cond", "size(a)", ce + "The function is not allowed to be used this way in an expression; function: size"},
	{"function as comparison operand", "cond", "attribute_exists(a) = :t", ce + "The function is not allowed to be used this way in an expression; function: attribute_exists"},
	{"function as function argument", "cond", "begins_with(contains(a, :s), :s)", ce + "The function is not allowed to be used this way in an expression; function: contains"},
	{"function in IN list", "cond", "a IN (:s, begins_with(a, :s))", ce + "The function is not allowed to be used this way in an expression; function: begins_with"},
	{"function as between bound", "cond", "a BETWEEN attribute_type(a, :tS) AND :s", ce + "The function is not allowed to be used this way in an expression; function: attribute_type"},
	{"too many operands", "cond", "begins_with(a, :s, :s)", ce + "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 3"},
	{"too few operands", "cond", "contains(a)", ce + "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
	{"size with two operands", "cond", "size(a, b) = :n", ce + "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"},
	{"attribute_exists with two operands", "cond", "attribute_exists(a, b)", ce + "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
	{"attribute_type with one operand", "cond", "attribute_type(a)", ce + "Incorrect number of operands for operator or function; operator or function: attribute_type, number of operands: 1"},
	{"same path on both sides", "cond", "a = a", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
	{"same nested path on both sides", "cond", "a.b[1] <> #a.b[1]", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a, b, [1]]"},
	{"same path in function", "cond", "begins_with(a, a)", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [a]"},
	{"different paths are distinct", "cond", "a = b", ""},
	{"attribute_exists of a value", "cond", "attribute_exists(:s)", ce + "Operator or function requires a document path; operator or function: attribute_exists"},
	{"attribute_not_exists of size", "cond", "attribute_not_exists(size(a))", ce + "Operator or function requires a document path; operator or function: attribute_not_exists"},
	{"attribute_type of a value", "cond", "attribute_type(:s, :tS)", ""},
	{"attribute_type with number type", "cond", "attribute_type(a, :n)", ce + "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
	{"attribute_type with path type", "cond", "attribute_type(a, b)", ce + "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
	{"attribute_type with unknown type name", "cond", "attribute_type(a, :tBad)", ce + "Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
	{"begins_with number", "cond", "begins_with(a, :n)", ce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	{"begins_with list", "cond", "begins_with(:l, a)", ce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: L"},
	{"begins_with size", "cond", "begins_with(size(a), :s)", ce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	{"size of number", "cond", "size(:n) = :n", ce + "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
	{"size of boolean", "cond", "size(:t) = :n", ce + "Incorrect operand type for operator or function; operator or function: size, operand type: BOOL"},
	{"size of null", "cond", "size(:null) = :n", ce + "Incorrect operand type for operator or function; operator or function: size, operand type: NULL"},
	{"size of size", "cond", "size(size(a)) = :n", ce + "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
	{"size of set", "cond", "size(:ss) = :n", ""},
	{"between bounds of different types", "cond", "a BETWEEN :s AND :n", ce + "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {S:abc}, upper bound operand: AttributeValue: {N:1}"},
	{"between bounds reversed", "cond", "a BETWEEN :n5 AND :n", ce + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
	{"between string bounds reversed", "cond", "a BETWEEN :s2 AND :s", ce + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:abd}, upper bound operand: AttributeValue: {S:abc}"},
	{"between equal bounds", "cond", "a BETWEEN :n AND :n", ""},
	{"between path bounds are not checked", "cond", "a BETWEEN b AND :n", ""},
	{"ordering of a boolean", "cond", "a > :t", ce + "Incorrect operand type for operator or function; operator or function: >, operand type: BOOL"},
	{"ordering of a set written first", "cond", ":ss <= a", ce + "Incorrect operand type for operator or function; operator or function: <=, operand type: SS"},
	{"ordering of a list", "cond", "a >= :l", ce + "Incorrect operand type for operator or function; operator or function: >=, operand type: L"},
	{"ordering of a map", "cond", "a < :m", ce + "Incorrect operand type for operator or function; operator or function: <, operand type: M"},
	{"ordering of null", "cond", "a < :null", ce + "Incorrect operand type for operator or function; operator or function: <, operand type: NULL"},
	{"ordering of size is fine", "cond", "size(a) < :n", ""},
	{"equality of a boolean is fine", "cond", "a = :t AND b <> :ss", ""},
	{"between of booleans", "cond", "a BETWEEN :t AND :t", ce + "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: BOOL"},
	{"between operand type before bound order", "cond", "a BETWEEN :n5 AND :ss", ce + "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: SS"},
	{"clause errors in text order: undefined first", "cond", "a = :missing AND begins_with(b, :n)", ce + "An expression attribute value used in expression is not defined; attribute value: :missing"},
	{"clause errors in text order: operand type first", "cond", "begins_with(b, :n) AND a = :missing", ce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	{"within a clause undefined before operand count", "cond", "contains(:missing)", ce + "An expression attribute value used in expression is not defined; attribute value: :missing"},
	{"in listing 100 operands", "cond", "a IN (" + strings.TrimSuffix(strings.Repeat(":n,", 100), ",") + ")", ce + "The IN operator is provided with too many operands; number of operands: 101"},
	{"path of 33 levels", "cond", "a" + strings.Repeat(".b", 32) + " = :s", ce + "The document path has too many nesting levels; nesting levels: 33"},
	{"undefined name before operand count", "cond", "contains(#x)", ce + "An expression attribute name used in the document path is not defined; attribute name: #x"},
	{"first clause with an error wins", "cond", "a = a AND contains(b)", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
	{"first clause with an error wins over distinct", "cond", "begins_with(b, :n) AND a = a", ce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	{"within a clause distinct before operand type", "cond", "begins_with(b, b) AND begins_with(:n, :n)", ce + "The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [b]"},
	{"misused function before reserved word", "cond", "status = :s AND size(a)", ce + "The function is not allowed to be used this way in an expression; function: size"},

	// Valid update expressions.
	{"set value", "update", "SET a = :s", ""},
	{"set lower case", "update", "set a = :s", ""},
	{"set several", "update", "SET a = :s, b = :n, c.d[1] = :l", ""},
	{"set plus", "update", "SET a = a + :n", ""},
	{"set minus", "update", "SET a = :n - a", ""},
	{"set if_not_exists", "update", "SET a = if_not_exists(a, :n)", ""},
	{"set list_append", "update", "SET a = list_append(a, :l)", ""},
	{"set nested functions", "update", "SET a = list_append(if_not_exists(a, :l), :l)", ""},
	{"set function plus value", "update", "SET a = if_not_exists(a, :n) + :n", ""},
	{"set parenthesised value", "update", "SET a = (b + :n)", ""},
	{"set parenthesised operands", "update", "SET a = (b) + (:n)", ""},
	{"set parenthesised operand", "update", "SET a = (:n)", ""},
	{"set redundant parentheses around value", "update", "SET a = ((:n))", ue + "The expression has redundant parentheses;"},
	{"set redundant parentheses around arithmetic", "update", "SET a = ((b + :n))", ue + "The expression has redundant parentheses;"},
	{"set redundant parentheses around operand of plus", "update", "SET a = ((b)) + :n", ue + "The expression has redundant parentheses;"},
	{"condition keyword as update name", "update", "SET and = :s", ue + `Syntax error; token: "and", near: "SET and ="`},
	{"name starting with underscore in update", "update", "SET _123 = :s", ue + `Syntax error; token: "_", near: "SET _123"`},
	{"list_append inside list_append", "update", "SET a = list_append(list_append(:l, :l), :l)", ue + "The function is not allowed to be used this way in an expression; function: list_append"},
	{"list_append inside if_not_exists", "update", "SET a = if_not_exists(a, list_append(b, :l))", ue + "The function is not allowed to be used this way in an expression; function: list_append"},
	{"list_append in arithmetic", "update", "SET a = list_append(a, :l) + :n", ue + "The function is not allowed to be used this way in an expression; function: list_append"},
	{"if_not_exists inside if_not_exists", "update", "SET a = if_not_exists(b, if_not_exists(c, :n))", ""},
	{"plus inside function argument", "update", "SET c = if_not_exists(c, :n+:n)", ue + `Syntax error; token: "+", near: ":n+:n"`},
	{"set from another path", "update", "SET a = b.c[0]", ""},
	{"remove", "update", "REMOVE a, b.c, d[2]", ""},
	{"add number", "update", "ADD a :n", ""},
	{"add set", "update", "ADD a :ss, b :ns, c :bs", ""},
	{"delete set", "update", "DELETE a :ss", ""},
	{"all four clauses", "update", "SET a = :s REMOVE b ADD c :n DELETE d :ss", ""},
	{"clauses in any order", "update", "DELETE d :ss ADD c :n REMOVE b SET a = :s", ""},
	{"sibling paths do not overlap", "update", "SET a.b = :s, a.c = :s, l[0] = :s, l[1] = :s", ""},
	{"name placeholder with dot is one name", "update", "SET #dot = :s, x = :s", ""},
	{"reserved words allowed as update keywords behind placeholder", "update", "SET #s = :s", ""},

	// Update syntax errors.
	{"bare SET", "update", "SET", ue + `Syntax error; token: "<EOF>", near: "SET"`},
	{"unknown clause", "update", "whatever", ue + `Syntax error; token: "whatever", near: "whatever"`},
	{"unknown clause with more", "update", "INVALID SYNTAX HERE", ue + `Syntax error; token: "INVALID", near: "INVALID SYNTAX"`},
	{"set without value", "update", "set a", ue + `Syntax error; token: "<EOF>", near: "a"`},
	{"set with dangling equals", "update", "SET a =", ue + `Syntax error; token: "<EOF>", near: "="`},
	{"add without value", "update", "ADD numx", ue + `Syntax error; token: "<EOF>", near: "numx"`},
	{"add with spaced colon", "update", "ADD hits : incr", ue + `Syntax error; token: ":", near: "hits : incr"`},
	{"add with path operand", "update", "add a b", ue + `Syntax error; token: "b", near: "a b"`},
	{"delete with path operand", "update", "delete a b", ue + `Syntax error; token: "b", near: "a b"`},
	{"delete with equals", "update", "delete a = b", ue + `Syntax error; token: "=", near: "a = b"`},
	{"remove with equals", "update", "remove a = b", ue + `Syntax error; token: "=", near: "a = b"`},
	{"remove two names", "update", "remove a b", ue + `Syntax error; token: "b", near: "a b"`},
	{"set keyword as value", "update", "set a=set", ue + `Syntax error; token: "set", near: "=set"`},
	{"set value placeholder as target", "update", "set :a = b", ue + `Syntax error; token: ":a", near: "set :a ="`},
	{"remove a value placeholder", "update", "remove :a", ue + `Syntax error; token: ":a", near: "remove :a"`},
	{"division", "update", "set a = b / c", ue + `Syntax error; token: "/", near: "b / c"`},
	{"multiplication", "update", "set a = b * c", ue + `Syntax error; token: "*", near: "b * c"`},
	{"string literal in set", "update", `set a[1] = "eight"`, ue + `Syntax error; token: ""eight"", near: "= "eight""`},
	{"number literal in set", "update", "set a[1] = 1", ue + `Syntax error; token: "1", near: "= 1"`},
	{"function as set target", "update", "SET if_not_exist(a, b) = a", ue + `Syntax error; token: "(", near: "if_not_exist(a"`},
	{"parenthesised assignment", "update", "set (a = (b + c))", ue + `Syntax error; token: "(", near: "set (a"`},
	{"two additions", "update", "set a = b + c + d", ue + `Syntax error; token: "+", near: "c + d"`},
	{"path after parenthesised path", "update", "set a = (b.c).d + e", ue + `Syntax error; token: ".", near: ").d"`},
	{"missing comma between actions", "update", "SET a = :s b = :s", ue + `Syntax error; token: "b", near: ":s b ="`},
	{"trailing comma", "update", "SET a = :s,", ue + `Syntax error; token: "<EOF>", near: ","`},
	{"condition keyword in update", "update", "SET a = :s AND b = :s", ue + `Syntax error; token: "AND", near: ":s AND b"`},
	{"clause keyword as name", "update", "SET add = :s", ue + `Syntax error; token: "add", near: "SET add ="`},

	// Update semantic errors.
	{"reserved word in update", "update", " set #a = :s set abOrt = :t ", ue + "Attribute name is a reserved keyword; reserved keyword: abOrt"},
	{"reserved word in remove", "update", " remove Absolute ", ue + "Attribute name is a reserved keyword; reserved keyword: Absolute"},
	{"reserved word on right side", "update", "SET a = size", ue + "Attribute name is a reserved keyword; reserved keyword: size"},
	{"unknown update function", "update", "set #a = if_not_exist(:s) set c = d", ue + "Invalid function name; function: if_not_exist"},
	{"condition function in update", "update", "SET a = size(b)", ue + "Invalid function name; function: size"},
	{"duplicate set", "update", "set a = #a set c = :s", ue + `The "SET" section can only be used once in an update expression;`},
	{"duplicate remove", "update", "remove #a set b = :s remove e", ue + `The "REMOVE" section can only be used once in an update expression;`},
	{"duplicate add", "update", "add #a :n set b = :s add e :n", ue + `The "ADD" section can only be used once in an update expression;`},
	{"duplicate delete", "update", "delete #a :ss set b = :s delete e :ss", ue + `The "DELETE" section can only be used once in an update expression;`},
	{"reserved word before duplicate section", "update", "set a = :s set status = :s", ue + "Attribute name is a reserved keyword; reserved keyword: status"},
	{"undefined name in update", "update", "SET #c = if_not_exists(#c, :c)", ue + "An expression attribute name used in the document path is not defined; attribute name: #c"},
	{"undefined value in update", "update", "SET #a = if_not_exists(#a, :c)", ue + "An expression attribute value used in expression is not defined; attribute value: :c"},
	{"undefined name before undefined value", "update", "SET a = :c, #c = :s", ue + "An expression attribute name used in the document path is not defined; attribute name: #c"},
	{"overlap with a nested path", "update", "set d[1] = a, d.b = a, c[1].a = a, #a = if_not_exists(a, :s), c = :s", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]"},
	{"overlap of set and remove", "update", "set a = b remove a, c", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	{"overlap of map key named like an index", "update", "set c[3].#d = a, c[3] = a", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]"},
	{"overlap in remove", "update", "remove c, c.a", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c, a]"},
	{"same path twice", "update", "remove a, b, a", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	{"overlap through placeholder", "update", "SET #a = :s, a.b = :s", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
	{"conflict of index and key", "update", "set c[3].#d = a, c.#d[3] = if_not_exists(a, :s)", ue + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]"},
	{"conflict of remove and set", "update", "remove a.c set a[1] = b", ue + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]"},
	{"overlap wins over earlier conflict", "update", "set d[1] = :s, d.b = :s, e = :s, e.f = :s", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [e], path two: [e, f]"},
	{"add string", "update", "ADD a.b :s", ue + "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
	{"delete string", "update", "DELETE a.b :s", ue + "Incorrect operand type for operator or function; operator: DELETE, operand type: STRING"},
	{"add null", "update", "ADD a :null", ue + "Incorrect operand type for operator or function; operator: ADD, operand type: NULL"},
	{"delete boolean", "update", "DELETE a :t", ue + "Incorrect operand type for operator or function; operator: DELETE, operand type: BOOLEAN"},
	{"add binary", "update", "ADD a :b", ue + "Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"},
	{"delete map", "update", "DELETE a :m", ue + "Incorrect operand type for operator or function; operator: DELETE, operand type: MAP"},
	{"add list", "update", "ADD a :l", ue + "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
	{"delete number", "update", "DELETE a :n", ue + "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
	{"if_not_exists with one operand", "update", "set a = if_not_exists(c)", ue + "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
	{"list_append with three operands", "update", "set a = list_append(c, :l, :l)", ue + "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3"},
	{"if_not_exists of a value", "update", "set a = if_not_exists(:s, c)", ue + "Operator or function requires a document path; operator or function: if_not_exists"},
	{"if_not_exists of a function", "update", "set a = if_not_exists(if_not_exists(a, b), c)", ue + "Operator or function requires a document path; operator or function: if_not_exists"},
	{"list_append of string", "update", "set a = list_append(:s, a)", ue + "Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
	{"list_append of number", "update", "set a = list_append(a, :n)", ue + "Incorrect operand type for operator or function; operator or function: list_append, operand type: N"},
	{"list_append of map", "update", "set a = list_append(:m, a)", ue + "Incorrect operand type for operator or function; operator or function: list_append, operand type: M"},
	{"plus string", "update", "set a = a + :s", ue + "Incorrect operand type for operator or function; operator or function: +, operand type: S"},
	{"plus binary first", "update", "set a = :b + a", ue + "Incorrect operand type for operator or function; operator or function: +, operand type: B"},
	{"minus set", "update", "set a = a - :ss", ue + "Incorrect operand type for operator or function; operator or function: -, operand type: SS"},
	{"minus list", "update", "set a = a - :l", ue + "Incorrect operand type for operator or function; operator or function: -, operand type: L"},
	{"overlap before operand type", "update", "ADD a :s SET a = :s", ue + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	{"operand type before function", "update", "SET b = list_append(:s, a) ADD a :s", ue + "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
	{"update over 4 KB", "update", "SET a = :s" + strings.Repeat(" ", 4090), ue + "Expression size has exceeded the maximum allowed size; expression size: 4100"},

	// Projections.
	{"projection of names", "proj", "a, b, c", ""},
	{"projection of nested paths", "proj", "a.b[0].c, a.d, l[1], l[2]", ""},
	{"projection with placeholder", "proj", "#a.b, #s", ""},
	{"projection dangling comma", "proj", "a,", pe + `Syntax error; token: "<EOF>", near: ","`},
	{"projection two names", "proj", "a b", pe + `Syntax error; token: "b", near: "a b"`},
	{"projection bad characters", "proj", "!!!", pe + `Syntax error; token: "!", near: "!!"`},
	{"projection of a value", "proj", ":s", pe + `Syntax error; token: ":s", near: ":s"`},
	{"projection of a function", "proj", "size(a)", pe + `Syntax error; token: "(", near: "size(a"`},
	{"projection keyword", "proj", "a, and", pe + `Syntax error; token: "and", near: ", and"`},
	{"projection update keyword", "proj", "Set", pe + `Syntax error; token: "Set", near: "Set"`},
	{"projection reserved word", "proj", "a, name", pe + "Attribute name is a reserved keyword; reserved keyword: name"},
	{"projection undefined name", "proj", "#x", pe + "An expression attribute name used in the document path is not defined; attribute name: #x"},
	{"projection overlap", "proj", "a, a.b", pe + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
	{"projection duplicate", "proj", "a, b, a", pe + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	{"projection conflict", "proj", "a[0], a.b", pe + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"},
	{"projection reserved before undefined", "proj", "#x, name", pe + "Attribute name is a reserved keyword; reserved keyword: name"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			err := parseAny(tc.kind, tc.src)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var ve *dberr.ValidationException
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tc.err, ve.Message)
		})
	}
}

func TestParsedTreeShape(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want *Cond
	}{
		{"and binds tighter than or", "a = :s OR b = :s AND c = :s",
			Or(Compare(EQ, PathOperand(AttrPath("a")), ValueOperand(attr.S("abc"))),
				And(Compare(EQ, PathOperand(AttrPath("b")), ValueOperand(attr.S("abc"))),
					Compare(EQ, PathOperand(AttrPath("c")), ValueOperand(attr.S("abc")))))},
		{"not binds tighter than and", "NOT a = :s AND b = :s",
			And(Not(Compare(EQ, PathOperand(AttrPath("a")), ValueOperand(attr.S("abc")))),
				Compare(EQ, PathOperand(AttrPath("b")), ValueOperand(attr.S("abc"))))},
		{"parentheses override precedence", "(a = :s OR b = :s) AND c = :s",
			And(Or(Compare(EQ, PathOperand(AttrPath("a")), ValueOperand(attr.S("abc"))),
				Compare(EQ, PathOperand(AttrPath("b")), ValueOperand(attr.S("abc")))),
				Compare(EQ, PathOperand(AttrPath("c")), ValueOperand(attr.S("abc"))))},
		{"nested path with placeholders", "#a.b[2].#d >= :n",
			Compare(GE, PathOperand(Path{Key("a"), Key("b"), Idx(2), Key("[3]")}), ValueOperand(attr.N("1")))},
		{"size operand", "size(a) < :n",
			Compare(LT, SizeOf(PathOperand(AttrPath("a"))), ValueOperand(attr.N("1")))},
		{"functions", "attribute_type(a, :tS) AND begins_with(b, :s) AND contains(c, :s)",
			And(AttributeType(AttrPath("a"), attr.TypeS),
				BeginsWith(PathOperand(AttrPath("b")), ValueOperand(attr.S("abc"))),
				Contains(PathOperand(AttrPath("c")), ValueOperand(attr.S("abc"))))},
		{"between and in", "a BETWEEN :n AND :n5 OR a IN (:n, :n5)",
			Or(Between(PathOperand(AttrPath("a")), ValueOperand(attr.N("1")), ValueOperand(attr.N("5"))),
				In(PathOperand(AttrPath("a")), ValueOperand(attr.N("1")), ValueOperand(attr.N("5"))))},
		{"existence functions", "attribute_exists(a) OR attribute_not_exists(b)",
			Or(AttributeExists(AttrPath("a")), AttributeNotExists(AttrPath("b")))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCondition(tc.src, testNames, testValues)
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Root())
		})
	}
}

func TestParsedUpdateActions(t *testing.T) {
	u, err := ParseUpdate("SET a = b + :n, c = list_append(if_not_exists(c, :l), :l) REMOVE d[1] ADD e :n DELETE f :ss", testNames, testValues)
	require.NoError(t, err)
	require.Equal(t, []Action{
		SetAction(AttrPath("a"), Plus(PathOperand(AttrPath("b")), ValueOperand(attr.N("1")))),
		SetAction(AttrPath("c"), ListAppend(IfNotExists(AttrPath("c"), ValueOperand(attr.L(attr.S("x")))), ValueOperand(attr.L(attr.S("x"))))),
		RemoveAction(Path{Key("d"), Idx(1)}),
		AddAction(AttrPath("e"), attr.N("1")),
		DeleteAction(AttrPath("f"), attr.SS("a", "b")),
	}, u.Actions())
	require.Equal(t, []Path{AttrPath("a"), AttrPath("c"), {Key("d"), Idx(1)}, AttrPath("e"), AttrPath("f")}, u.Paths())
}

func TestValuesAreCanonicalised(t *testing.T) {
	c, err := ParseCondition("a = :v", nil, Values{":v": attr.N("1.500")})
	require.NoError(t, err)
	require.Equal(t, "1.5", c.Root().Args[1].Value.N())
	c, err = ParseCondition("a = :v", nil, Values{":v": attr.L(attr.N("010"), attr.M(map[string]attr.Value{"x": attr.NS("2.0")}))})
	require.NoError(t, err)
	require.Equal(t, attr.L(attr.N("10"), attr.M(map[string]attr.Value{"x": attr.NS("2")})), c.Root().Args[1].Value)
}

func TestReservedWordList(t *testing.T) {
	require.Len(t, reserved, 573)
	for _, w := range []string{"status", "NAME", "Size", "ttl", "data", "key", "abort", "zone"} {
		require.True(t, IsReserved(w), w)
	}
	for _, w := range []string{"pk", "sk", "attribute_exists", "email", "price"} {
		require.False(t, IsReserved(w), w)
	}
}
