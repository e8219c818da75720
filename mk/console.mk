# The console (web/console): a React + Vite app typed by graphql-codegen from
# graph/*.graphqls, built into web/console/dist and embedded in bin/bcs.
# Its npm packages are its own (web/console/package.json), installed by npm ci.
CONSOLE := web/console
CONSOLE_MODULES := $(CONSOLE)/node_modules
# npm ci rewrites node_modules/.package-lock.json: newer than the manifests
# exactly when the install is current.
CONSOLE_STAMP := $(CONSOLE_MODULES)/.package-lock.json
CONSOLE_SRC := $(shell find $(CONSOLE)/src -type f 2>/dev/null) $(CONSOLE)/index.html $(CONSOLE)/vite.config.ts \
	$(CONSOLE)/tsconfig.json $(CONSOLE)/codegen.ts $(wildcard graph/*.graphqls) $(wildcard $(CONSOLE)/*.graphql)
CONSOLE_INDEX := $(CONSOLE)/dist/index.html
# Never let an npm package download a browser: the tests drive Debian's chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

# The Go tests include the browser suite (web/console/e2e), which needs the
# console embedded in the binary it builds; the checks run first.
TEST_DEPS += console-check console-test

.PHONY: console console-gql console-deps console-check console-test console-size

$(CONSOLE_STAMP): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && $(NPM) ci --no-audit --no-fund
	@touch $@

console-deps: $(CONSOLE_STAMP) ## install the console's npm packages (npm ci, only when stale)

$(CONSOLE_INDEX): $(CONSOLE_STAMP) $(CONSOLE_SRC)
	cd $(CONSOLE) && $(NPM) run --silent codegen && $(NPM) run --silent build

console: $(CONSOLE_INDEX) ## build the console into web/console/dist (embedded by the next build of bin/bcs)

console-gql: $(CONSOLE_STAMP) ## regenerate the console's GraphQL types (web/console/src/gql) from graph/*.graphqls
	cd $(CONSOLE) && $(NPM) run --silent codegen

console-check: $(CONSOLE_STAMP) ## regenerate the console's GraphQL types; fail when the schema and the console disagree
	cd $(CONSOLE) && $(NPM) run --silent codegen
	cd $(CONSOLE) && npx tsc -p .
	@git diff --exit-code --stat -- $(CONSOLE)/src/gql || \
		{ echo "the console's generated GraphQL types changed: run make generate and commit $(CONSOLE)/src/gql"; exit 1; }
	@test -z "$$(git status --porcelain -- $(CONSOLE)/src/gql)" || \
		{ git status --porcelain -- $(CONSOLE)/src/gql; echo "codegen left new files in $(CONSOLE)/src/gql"; exit 1; }

console-test: $(CONSOLE_STAMP) ## run the console's component tests (vitest)
	cd $(CONSOLE) && npx vitest run

console-size: console ## initial JavaScript of the console, gzip-compressed (budget 300 KiB)
	@$(NODE) $(CONSOLE)/scripts/size.mjs

# bin/bcs embeds the console; the Go tests (the browser suite) need it built.
build: console
test-go: console
setup: console-deps
