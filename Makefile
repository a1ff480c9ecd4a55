# rootguard build and test entry points. `make test` is the README's test command.
GO ?= go
PKGS := ./...

.PHONY: test vet build demo bench lambda

test: vet
	$(GO) test -count=1 -timeout 20m $(PKGS)

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

build:
	$(GO) build -o bin/rootguard ./cmd/rootguard

demo:
	$(GO) run ./cmd/rootguard demo
