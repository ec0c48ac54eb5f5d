# diet: thin wrappers; every target is one command anyone can run by hand.
# diet is built static (CGO_ENABLED=0): diet slim places its own binary in
# containers as the tracing sensor, and a static one needs nothing beside
# it (a dynamic diet works too, carrying its loader and libraries).
GO      ?= go
BIN     ?= bin
FUZZTIME ?= 20s
# Fuzzing runs on Go 1.27.3, which the go command takes from the module proxy
# (about 10 s, once per machine): Go 1.26's fuzz coordinator can fail a
# target with a bare "context deadline exceeded" when -fuzztime ends under
# load, with no failing input (go.dev/issue/75804, fixed in Go 1.27).
FUZZGO  ?= GOTOOLCHAIN=go1.27.3 $(GO)

.PHONY: build install test unit fuzz bench lint fixtures image clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

install:
	CGO_ENABLED=0 $(GO) install -trimpath ./cmd/...

# Everything CI runs: lint, every test (end-to-end ones skip without their
# components unless DIET_E2E=require), then each fuzz target for $(FUZZTIME).
test: lint
	$(GO) test -race -timeout 60m ./...
	$(MAKE) fuzz

unit:
	$(GO) test -short ./...

fuzz:
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | cut -c6-); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(FUZZGO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

bench:
	@for s in bench/*.sh; do echo "== $$s"; bash $$s || exit 1; done

# The test helpers (and the testing package) never go into diet itself.
TESTONLY = /internal/(testenv|testbases|slim/fatimages)$$|^testing$$|stretchr/testify|gotest.tools

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@out=$$($(GO) list -deps ./cmd/diet | grep -E '$(TESTONLY)'); if [ -n "$$out" ]; then echo "cmd/diet links test-only packages:"; echo "$$out"; exit 1; fi

fixtures:
	sudo .ci/fixtures.sh

# The main job: build the example program into a minimal OCI image.
image:
	$(GO) run ./cmd/diet build ./cmd/slice -o oci:out/slice:latest

clean:
	rm -rf $(BIN) out
