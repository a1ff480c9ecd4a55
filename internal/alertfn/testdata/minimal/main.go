// Command minimal is the smallest aws-lambda-go function: the cold-start
// benchmark's yardstick for what the runtime itself costs.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "ok", nil })
}
