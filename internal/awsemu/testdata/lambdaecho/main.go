// Command lambdaecho is a minimal provided.al2023 bootstrap for the
// emulator's tests: it speaks the Runtime API with net/http only, prints a
// line per invocation, answers with its environment and exits on "crash".
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	fmt.Fprintln(os.Stderr, "lambdaecho starting")
	for {
		resp, err := http.Get(api + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(1)
		}
		payload, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		fmt.Printf("{\"msg\":\"invoked\",\"payload\":%q}\n", payload)
		if string(payload) == `"crash"` {
			os.Exit(3)
		}
		out := map[string]any{"pid": os.Getpid()}
		for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
			"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GREETING", "AWS_LAMBDA_LOG_GROUP_NAME", "LAMBDA_TASK_ROOT"} {
			out[k] = os.Getenv(k)
		}
		body, _ := json.Marshal(out)
		r, err := http.Post(api+id+"/response", "application/json", bytes.NewReader(body))
		if err == nil {
			r.Body.Close()
		}
	}
}
