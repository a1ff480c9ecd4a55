// Command bootstrap is rootguard's alert Lambda function (runtime
// provided.al2023). Build it with `make lambda`; the logic is in
// internal/alertfn.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/rootguard/rootguard/internal/alertfn"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/ssmparam"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := alertfn.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := awsconfig.Load(context.Background(), awsconfig.Options{})
	if err != nil {
		logger.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	params, err := ssmparam.New(context.Background(), awsCfg)
	if err != nil {
		logger.Error("SSM client", "error", err.Error())
		os.Exit(1)
	}
	h := alertfn.New(cfg, params, nil, logger)
	lambda.Start(h.Invoke)
}
