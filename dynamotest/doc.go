// Package dynamotest holds what a test of code built on dynamo needs: an
// in-process cluster and a DynamoDB-compatible endpoint started in one call
// and stopped at test cleanup, and the conformance suites that every
// implementation of the Storage, LogStore and Transport seams must pass.
package dynamotest
