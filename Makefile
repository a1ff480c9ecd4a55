# rootguard build and test entry points. `make test` is the README's test command.
GO ?= go
PKGS := ./...

# Linters, pinned: `make tools` installs these versions, `make lint` runs them.
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION := v0.52.0
GOBIN ?= $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)

.PHONY: test vet lint tools build demo bench lambda

# -vet=off: `vet` above has just run the whole of go vet, a superset of the
# checks go test would run again. -p 4 and -parallel 4: many packages' tests
# wait on the local AWS's time (Lambda timeouts, SQS visibility, retry
# backoffs, browser and validator starts) more than they use the CPU, so
# twice as many packages, and tests marked parallel, as the default of one
# per CPU run at once, while the other test binaries link
# (BENCHMARKS.md, "make test").
test: vet
	$(GO) test -count=1 -vet=off -p 4 -parallel 4 -timeout 20m $(PKGS)

# Hygiene kept by CI (.ci/run): staticcheck clean, no function unreachable
# from a main or a test, go.mod and go.sum tidy, and the shipped binaries
# keep the linker's dead-code elimination (scripts/check-dce.sh). Slower
# than the tests on a cold cache, so not part of `make test`.
lint: vet
	@for tool in staticcheck deadcode; do \
		[ -x "$(GOBIN)/$$tool" ] || { echo "$(GOBIN)/$$tool is missing: run make tools"; exit 1; }; \
	done; \
	fail=0; \
	echo "staticcheck $(PKGS)"; $(GOBIN)/staticcheck $(PKGS) || fail=1; \
	echo "deadcode -test $(PKGS)"; dead=$$($(GOBIN)/deadcode -test $(PKGS)) || fail=1; \
	if [ -n "$$dead" ]; then echo "$$dead"; fail=1; fi; \
	echo "go mod tidy -diff"; $(GO) mod tidy -diff || fail=1; \
	echo "scripts/check-dce.sh"; GO="$(GO)" scripts/check-dce.sh || fail=1; \
	exit $$fail

tools:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GO) install golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

# A release build stamps its version (make build VERSION=v1.2.3); without it
# the binary says 0.0.0-dev+<revision> (internal/buildinfo), never "devel".
build:
	$(GO) build $(if $(VERSION),-ldflags "-X github.com/rootguard/rootguard/internal/buildinfo.Version=$(VERSION)") -o bin/rootguard ./cmd/rootguard

demo:
	$(GO) run ./cmd/rootguard demo

# The alert function for provided.al2023, both architectures, zipped as
# Lambda wants: dist/bootstrap-arm64.zip and dist/bootstrap-x86_64.zip; and
# the scheduled posture auditor as dist/auditor-<arch>.zip.
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
	@# The scheduled posture auditor: the same packaging, dist/auditor-<arch>.zip.
	@set -e; for arch in arm64:arm64 amd64:x86_64; do \
		goarch=$${arch%%:*}; name=$${arch##*:}; dir=dist/auditor-$$name; \
		rm -rf $$dir && mkdir -p $$dir; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$goarch $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w" -o $$dir/bootstrap ./cmd/auditor; \
		rm -f dist/auditor-$$name.zip; \
		(cd $$dir && zip -q -X ../auditor-$$name.zip bootstrap); \
		echo "dist/auditor-$$name.zip"; \
	done
