// Package dynamotest holds what a test of code built on dynamo needs: an
// in-process cluster (NewCluster) and a DynamoDB-compatible endpoint over
// one (NewServer) started in one call and stopped at test cleanup, and the
// conformance suites that every implementation of the Storage, LogStore and
// Transport seams must pass.
//
// A test of an application written against the AWS SDK for Go v2 points the
// SDK at NewServer's URL; nothing else changes:
//
//	srv := dynamotest.NewServer(t)
//	client := dynamodb.New(dynamodb.Options{
//		Region:       srv.Region,
//		BaseEndpoint: aws.String(srv.URL),
//		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
//	})
//	app := myapp.New(client) // the application under test
package dynamotest
