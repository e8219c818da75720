# BCS Makefile. `make help` lists the targets; each carries a `## description`.
# Fragments in mk/ add the web assets, the Kubernetes test control plane and
# other parts; this file holds the everyday targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/bcs
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
export BCS_CACHE ?= $(HOME)/.cache/bcs
GOTEST_FLAGS ?= -count=1 -timeout 25m

# Fragments may add prerequisites of `make test` (e.g. cached binaries).
TEST_DEPS :=
-include mk/*.mk

.DEFAULT_GOAL := help
.PHONY: help build run generate check-generate migration test test-go bench lint tidy check-tidy clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN{FS=":.*?## "}{printf "  %-16s %s\n", $$1, $$2}'

# BUILD_CGO=0: BCS needs no cgo, and with it Helm's plugin import makes the
# linker keep every exported method (BENCHMARKS.md, bcs serve memory).
BUILD_CGO ?= 0

build: web ## build bin/bcs with the GraphiQL assets embedded
	CGO_ENABLED=$(BUILD_CGO) $(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/bcs

run: build ## serve BCS on http://localhost:8080 (embedded SQLite in ./bcs.db, GraphiQL at /)
	$(BIN) serve --listen $(or $(LISTEN),:8080) --database $(or $(DATABASE),sqlite://bcs.db)

generate: ## regenerate ent/ and graph/ from ent/schema and graph/*.graphqls, and the console's types from graph/
	$(GO) run ./ent/entc.go
	$(GO) tool gqlgen generate
	gofmt -l ent graph resolvers | xargs -r gofmt -w
	@$(MAKE) --no-print-directory console-gql

check-generate: generate ## fail when generation changes the tree, or the schema has changes no migration carries
	@# Migrations merged from parallel branches can undo each other (SQLite
	@# rebuilds a table from its own view of it): a diff left here is one.
	$(GO) run ./internal/storage/migrategen unmigrated_schema_change
	@git diff --exit-code --stat -- ent graph resolvers gqlgen.yml web/console/src/gql || \
		{ echo "make generate changed the tree: commit the generated code"; exit 1; }
	@test -z "$$(git status --porcelain -- ent graph resolvers web/console/src/gql)" || \
		{ git status --porcelain -- ent graph resolvers web/console/src/gql; echo "make generate left new files (or a migration is missing: make migration NAME=...)"; exit 1; }

migration: ## write a versioned migration for schema changes: make migration NAME=add_thing
	@test -n "$(NAME)" || { echo "usage: make migration NAME=describe_the_change"; exit 2; }
	$(GO) run ./internal/storage/migrategen $(NAME)

test: $(TEST_DEPS) test-go test-node ## run every test: Go (SQLite, PostgreSQL, ZooKeeper, Kubernetes) and the Node suites

test-go: web ## run the Go tests
	$(GO) test $(GOTEST_FLAGS) ./...

bench: build kube-bins ## run every benchmark of BENCHMARKS.md (about 15 minutes; loopback only)
	$(GO) test -run '^$$' -bench '^BenchmarkProjectsFirst50$$' -benchtime 3s ./internal/server
	$(MAKE) bench-peer
	$(GO) test -run '^$$' -bench DocumentCache -benchtime 2000x ./internal/server
	$(GO) test -run '^$$' -bench 'Refuse' -benchmem ./internal/querylimit ./internal/server
	$(GO) test -run '^$$' -bench InformerBytesPerPod -benchtime 3x ./datawatch/kubewatch
	$(GO) test -run '^$$' -bench ResidentPerWatchedPod -benchtime 1x -timeout 20m ./internal/server
	$(GO) test -run '^$$' -bench DecodeBody1MiB -count 3 ./internal/transport
	scripts/bench-serve.sh $(BIN)
	$(GO) test -run '^$$' -bench 'Ingest|RawInsert' -benchtime 30000x ./datawatch/changelog
	$(GO) test -run '^$$' -bench Resync50k -benchtime 1x ./datawatch/changelog
	$(GO) test -run '^$$' -bench Fanout -benchtime 1000x ./datawatch/hub
	$(GO) test -run '^$$' -bench WebSocketFanout -benchmem -benchtime 2000x ./internal/transport
	$(GO) test -run '^$$' -bench Fanout10k -benchtime 1x -timeout 20m ./internal/server
	$(GO) test -run '^$$' -bench ClusterOperations -benchtime 5x ./internal/server
	$(GO) test -run '^$$' -bench Instantiate100 -benchtime 1x ./internal/server
	$(GO) test -run '^$$' -bench Render100 -benchtime 3s ./configcenter
	$(GO) test -run '^$$' -bench Launch1000 -benchtime 5x ./orchestrators/mesos/sim
	$(MAKE) bench-mesos-scheduler
	$(MAKE) bench-helm
	$(MAKE) bench-latency

lint: ## go vet and gofmt
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt:"; echo "$$out"; exit 1; }

tidy: ## go mod tidy
	$(GO) mod tidy

# tools.go keeps the generators' libraries (ent/entc.go is build-ignored)
# in go.mod, so a tidy module stays tidy.
check-tidy: ## fail when go mod tidy would change go.mod or go.sum
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run make tidy and commit"; exit 1; }

clean: ## remove build output
	rm -rf bin

