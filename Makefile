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

# The alert function for provided.al2023, both architectures, zipped as
# Lambda wants: dist/bootstrap-arm64.zip and dist/bootstrap-x86_64.zip.
lambda:
	@mkdir -p dist
	@set -e; for arch in arm64:arm64 amd64:x86_64; do \
		goarch=$${arch%%:*}; name=$${arch##*:}; dir=dist/lambda-$$name; \
		rm -rf $$dir && mkdir -p $$dir; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$goarch $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w" -o $$dir/bootstrap ./cmd/bootstrap; \
		rm -f dist/bootstrap-$$name.zip; \
		(cd $$dir && zip -q -X ../bootstrap-$$name.zip bootstrap); \
		echo "dist/bootstrap-$$name.zip"; \
	done
