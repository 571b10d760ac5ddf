package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/embeddynamo/dynamo/internal/sigv4"
)

func ExampleVerifier_Verify() {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	verifier := sigv4.New(sigv4.Config{
		Keys:   map[string]sigv4.Credentials{"AKIDEXAMPLE": {SecretAccessKey: "secret"}},
		Region: "us-east-1",
		Now:    func() time.Time { return now },
	})

	// A request signed by the AWS SDK's signer, as a client sends it.
	body := `{"TableName":"Music"}`
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:8000/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	_ = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", now)

	id, err := verifier.Verify(req, []byte(body))
	fmt.Println(id, err)

	// The same request with a different body no longer verifies.
	_, err = verifier.Verify(req, []byte(`{"TableName":"Other"}`))
	var invalid *sigv4.InvalidSignatureException
	fmt.Println(errors.As(err, &invalid))
	// Output:
	// AKIDEXAMPLE <nil>
	// true
}
