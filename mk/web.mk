# GraphiQL assets (web/dist, embedded into bin/bcs) and the Node test suites
# under web/test (graphql-http audit, federation gateway, websockets).
NPM ?= npm
NODE ?= node
WEB_MODULES := web/node_modules
# npm ci rewrites node_modules/.package-lock.json; it is newer than the
# manifests exactly when the install is current.
WEB_STAMP := $(WEB_MODULES)/.package-lock.json

# Source in node_modules -> name in web/dist (the names web/web.go expects).
WEB_ASSETS := \
	react/umd/react.production.min.js:react.production.min.js \
	react-dom/umd/react-dom.production.min.js:react-dom.production.min.js \
	graphiql/graphiql.min.js:graphiql.min.js \
	graphiql/graphiql.min.css:graphiql.min.css \
	@graphiql/plugin-explorer/dist/index.umd.js:plugin-explorer.umd.js \
	@graphiql/plugin-explorer/dist/style.css:plugin-explorer.css

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && $(NPM) ci --ignore-scripts --no-audit --no-fund
	@touch $@

web-deps: $(WEB_STAMP) ## install web/ npm packages (npm ci, only when stale)

web: $(WEB_STAMP) ## copy the GraphiQL UMD/CSS assets into web/dist for embedding
	@set -e; for pair in $(WEB_ASSETS); do \
		src=$(WEB_MODULES)/$${pair%%:*}; dst=web/dist/$${pair##*:}; \
		cmp -s $$src $$dst || cp $$src $$dst; \
	done
	@echo "web/dist ready; rebuild bin/bcs to embed it"

# Explicit *.test.mjs: given a directory, `node --test` would also run every
# .mjs under it (the lib/ helpers).
# The suites test the protocol, not memory: their bin/bcs is built as the Go
# tests build (cgo as the machine has it), from the packages those compiled,
# instead of compiling every package again without cgo on a fresh machine.
test-node: BUILD_CGO = $(shell $(GO) env CGO_ENABLED)
test-node: build web-deps ## run the Node suites (graphql-http audit, federation, websockets) against bin/bcs
	BCS_BIN=$(CURDIR)/$(BIN) $(NODE) --test web/test/*.test.mjs

.PHONY: web web-deps test-node
