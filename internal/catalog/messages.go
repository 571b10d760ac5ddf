package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// DynamoDB's fixed messages for the control plane. The sources for each are
// in the package documentation.
const (
	// MsgNoUpdate is UpdateTable's message when nothing would change.
	MsgNoUpdate = "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, " +
		"GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, " +
		"ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, " +
		"WarmThroughput or TableClass is required"
	// MsgProvisionedNeedsBoth is CreateTable's message for a PROVISIONED
	// table without capacity.
	MsgProvisionedNeedsBoth = invalidPrefix + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
	// MsgPayPerRequestNoCapacity is the message for capacity given to an
	// on-demand table.
	MsgPayPerRequestNoCapacity = invalidPrefix + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
	// MsgSwitchToPayPerRequestWithCapacity is UpdateTable's message for
	// BillingMode PAY_PER_REQUEST together with ProvisionedThroughput.
	MsgSwitchToPayPerRequestWithCapacity = invalidPrefix + "ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST"
	// MsgSwitchToProvisionedNeedsCapacity is UpdateTable's message for a
	// switch to PROVISIONED without ProvisionedThroughput.
	MsgSwitchToProvisionedNeedsCapacity = invalidPrefix + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
	// MsgKeyNoDefinition is the message for more key attributes than
	// attribute definitions.
	MsgKeyNoDefinition = "Invalid KeySchema: Some index key attribute have no definition"
	// MsgSameKeyNames is the message for a HASH and RANGE key of one name.
	MsgSameKeyNames = "Both the Hash Key and the Range Key element in the KeySchema have the same name"
	// MsgFirstNotHash is the message for a key schema not led by HASH.
	MsgFirstNotHash = "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
	// MsgSecondNotRange is the message for a second key element that is not
	// RANGE.
	MsgSecondNotRange = "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
	// MsgDefinitionCount is the message for unused attribute definitions on
	// a table without indexes.
	MsgDefinitionCount = invalidPrefix + "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
	// MsgLSIsEmpty is the message for an empty LocalSecondaryIndexes list.
	MsgLSIsEmpty = invalidPrefix + "List of LocalSecondaryIndexes is empty"
	// MsgGSIsEmpty is the message for an empty GlobalSecondaryIndexes list.
	MsgGSIsEmpty = invalidPrefix + "List of GlobalSecondaryIndexes is empty"
	// MsgLSINeedsTableRange is the message for an LSI on a table without a
	// sort key.
	MsgLSINeedsTableRange = invalidPrefix + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
	// MsgUnknownProjection is the message for a projection without a type.
	MsgUnknownProjection = invalidPrefix + "Unknown ProjectionType: null"
	// MsgTooManyLSIs is the message for more than five LSIs.
	MsgTooManyLSIs = invalidPrefix + "Number of LocalSecondaryIndexes exceeds per-table limit of 5"
	// MsgTooManyGSIs is CreateTable's message for more than twenty GSIs.
	MsgTooManyGSIs = invalidPrefix + "GlobalSecondaryIndex count exceeds the per-table limit of 20"
	// MsgTooManyProjected is the message for more than 100 INCLUDE
	// attributes over all indexes of a table.
	MsgTooManyProjected = invalidPrefix + "Number of projected attributes in all indexes exceeds limit of 100"
	// MsgGSIUpdateEmpty is the message for a GlobalSecondaryIndexUpdate
	// without an action.
	MsgGSIUpdateEmpty = invalidPrefix + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
	// MsgGSIUpdateMany is the message for a GlobalSecondaryIndexUpdate with
	// more than one action.
	MsgGSIUpdateMany = invalidPrefix + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
	// MsgIndexExists is UpdateTable's message for creating an index whose
	// name is taken.
	MsgIndexExists = "Attempting to create an index which already exists"
	// MsgSSEOnly, MsgTableClassOnly and MsgDeletionProtectionOnly are
	// UpdateTable's messages for those changes combined with others.
	MsgSSEOnly                = invalidPrefix + "Server-Side Encryption modification must be the only operation in the request"
	MsgTableClassOnly         = invalidPrefix + "TableClass modification must be the only operation in the request"
	MsgDeletionProtectionOnly = invalidPrefix + "DeletionProtection modification must be the only operation in the request"
	// MsgStreamWithIOPS, MsgIndexWithIOPS and MsgIndexWithStream are
	// UpdateTable's messages for combined changes it refuses.
	MsgStreamWithIOPS  = invalidPrefix + "You cannot modify stream status while updating table IOPS"
	MsgIndexWithIOPS   = invalidPrefix + "You cannot create or delete index while updating table IOPS"
	MsgIndexWithStream = invalidPrefix + "You cannot create or delete index while changing stream status"
	// MsgCreateStreamNeedsViewType and MsgCreateStreamNoViewType are CreateTable's
	// stream messages.
	MsgCreateStreamNeedsViewType = invalidPrefix + "Table is being created with a stream enabled, UpdateViewType is required"
	MsgCreateStreamNoViewType    = invalidPrefix + "Table is being created with a stream disabled, UpdateViewType should not be specified"
	// MsgUpdateStreamNeedsViewType and MsgUpdateStreamNoViewType are
	// UpdateTable's stream messages.
	MsgUpdateStreamNeedsViewType = invalidPrefix + "If stream is being enabled then UpdateViewType is required"
	MsgUpdateStreamNoViewType    = invalidPrefix + "If stream is being disabled, then UpdateViewType must not be specified"
	// MsgSSETypeWhenDisabled and MsgKMSKeyWhenDisabled are the encryption
	// messages for settings given with Enabled false.
	MsgSSETypeWhenDisabled = invalidPrefix + "SSEType can not be specified if Enabled is false"
	MsgKMSKeyWhenDisabled  = invalidPrefix + "KMSMasterKeyId can not be specified if Enabled is false"
	// MsgInvalidTableClass is the message for an unknown table class.
	MsgInvalidTableClass = "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
	// MsgDeletionProtected is DeleteTable's message for a protected table.
	MsgDeletionProtected = "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
	// MsgTooManyTags is the message for more than 50 tags.
	MsgTooManyTags = "Number of Tags exceed the current limit for the provided ResourceArn"
	// MsgOneIndexAtATime is the LimitExceededException message for more than
	// one index created or deleted at once.
	MsgOneIndexAtATime = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
	// MsgGSILimitUpdate is UpdateTable's LimitExceededException message for
	// a twenty-first GSI.
	MsgGSILimitUpdate = "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of 20"
	// MsgResourceNotFound is the data plane's message for a table that
	// does not exist.
	MsgResourceNotFound = "Requested resource not found"
	inUsePrefix         = "Attempt to change a resource which is still in use: "
)

func invalid(msg string) error { return &dberr.ValidationException{Message: msg} }

func invalidf(format string, args ...any) error {
	return &dberr.ValidationException{Message: invalidPrefix + fmt.Sprintf(format, args...)}
}

func tableNotFound(name string) error {
	return &dberr.ResourceNotFoundException{Message: "Requested resource not found: Table: " + name + " not found"}
}

func indexNotFound(index, table string) error {
	return &dberr.ResourceNotFoundException{Message: "Requested resource not found: Index " + index + " for table " + table}
}

func tableExists(name string) error {
	return &dberr.ResourceInUseException{Message: "Table already exists: " + name}
}

func inUse(detail string) error {
	return &dberr.ResourceInUseException{Message: inUsePrefix + detail}
}

func limitExceeded(msg string) error { return &dberr.LimitExceededException{Message: msg} }

func joinNames(names []string) string { return "[" + strings.Join(names, ", ") + "]" }

func keyNames(ks []KeySchemaElement) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.AttributeName
	}
	return out
}

func defNames(defs []AttributeDefinition) []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.AttributeName
	}
	return out
}

// throughputUnchanged is UpdateTable's message for a throughput equal to the
// current one.
func throughputUnchanged(index string, curRead, curWrite, read, write int64) error {
	what := "the table"
	if index != "" {
		what = "the index " + index
	}
	return invalid(fmt.Sprintf("The provisioned throughput for %s will not change. The requested value equals the current value. "+
		"Current ReadCapacityUnits provisioned for %s: %d. Requested ReadCapacityUnits: %d. "+
		"Current WriteCapacityUnits provisioned for %s: %d. Requested WriteCapacityUnits: %d. "+
		"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
		what, what, curRead, read, what, curWrite, write))
}

// decreaseTimeLayout renders times in the decrease-limit message the way
// DynamoDB currently does ("Thursday, October 8, 2026 at 11:20:48 PM
// Coordinated Universal Time").
const decreaseTimeLayout = "Monday, January 2, 2006 at 3:04:05 PM"

func formatDecreaseTime(t time.Time) string {
	return t.UTC().Format(decreaseTimeLayout) + " Coordinated Universal Time"
}

// decreaseLimited is the LimitExceededException for a decrease past the
// daily allowance.
func decreaseLimited(count int64, last, next time.Time) error {
	return limitExceeded(fmt.Sprintf("Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. "+
		"After the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. "+
		"Number of decreases today: %d. Last decrease at %s. Next decrease can be made at %s",
		count, formatDecreaseTime(last), formatDecreaseTime(next)))
}

// aboveTableMaximum is the LimitExceededException for capacity above the
// per-table maximum.
func aboveTableMaximum(unit string, value int64, region string, max int64) error {
	return limitExceeded(fmt.Sprintf("The requested %s, %d, is above the per table maximum for the account in %s. Per table maximum: %d.",
		unit, value, region, max))
}

// aboveIndexMaximum is the LimitExceededException for index capacity above
// the per-index maximum.
func aboveIndexMaximum(unit, index string, value int64, region string, max int64) error {
	return limitExceeded(fmt.Sprintf("The requested %s for index %s, %d, is above the per index maximum for the account in %s. Per index maximum: %d.",
		unit, index, value, region, max))
}
