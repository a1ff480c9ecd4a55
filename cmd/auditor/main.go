// Command auditor is rootguard's scheduled posture auditor, a Lambda
// function (runtime provided.al2023) run by an EventBridge Scheduler
// schedule. Build it with `make lambda`; the logic is in internal/posture.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/posture"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	opts, err := posture.OptionsFromEnv(os.Getenv)
	if err != nil {
		logger.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := awsconfig.Load(context.Background(), awsconfig.Options{})
	if err != nil {
		logger.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	f := &posture.Function{AWS: awsCfg, Options: opts, Logger: logger}
	lambda.Start(f.Invoke)
}
