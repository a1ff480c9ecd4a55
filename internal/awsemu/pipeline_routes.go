package awsemu

import (
	"fmt"
	"sync"
)

// pipelines maps each Server to its pipeline model, so seeding helpers and
// LambdaRuntimeAPI find it without the Server holding pipeline state.
var pipelines sync.Map // *Server → *pipeline

func (s *Server) registerPipeline() {
	kumoURL, err := KumoURL()
	if err != nil {
		// New fails with the same error when it sets up its kumo proxy.
		return
	}

	p := newPipeline(kumoURL)
	p.exec = newExecutor(s, p, kumoConfig(kumoURL))
	pipelines.Store(s, p)

	go func() {
		<-s.Done()
		pipelines.Delete(s)
		p.close()
	}()

	for pattern, a := range p.lambdaRoutes() {
		s.handleREST("lambda", pattern, restHandler(pattern, a))
	}
}

func (s *Server) pipeline() (*pipeline, error) {
	p, ok := pipelines.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}

	return p.(*pipeline), nil
}

// LambdaRuntimeAPI returns the host:port of the Lambda Runtime API for the
// function fn (created in this emulator through the Lambda API). Start a
// handler built with lambda.Start with AWS_LAMBDA_RUNTIME_API set to it, and
// invocations of fn — direct, from EventBridge rules, from SQS event-source
// mappings — reach that handler, and the emulator no longer runs the
// function's own bootstrap. Close ends its long-polls.
func (s *Server) LambdaRuntimeAPI(fn string) (string, error) {
	p, err := s.pipeline()
	if err != nil {
		return "", err
	}

	p.exec.handOver(fn)

	return p.runtimeAPI(fn)
}
