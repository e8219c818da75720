# Set-up of a fresh machine, in one place: `make test` (and `make run`, through
# build and web) depend on these targets, and .ci/run calls nothing else.
# Debian packages the tests start themselves (PostgreSQL, ZooKeeper, the OCI
# registry, and Chromium, which the console's browser suite drives) are installed when
# missing if we are root; otherwise one line names the command.
DEBIAN_PACKAGES ?= postgresql zookeeper chromium docker-registry apache2-utils

TEST_DEPS += debian-packages

.PHONY: setup debian-packages go-modules

setup: debian-packages go-modules web ## install everything the build and tests need (Debian packages, Go modules, npm packages)

debian-packages: ## install the Debian packages the tests start (postgresql, zookeeper, chromium, docker-registry, apache2-utils) when missing
	@command -v dpkg >/dev/null || { echo "no dpkg: install $(DEBIAN_PACKAGES) yourself (the tests start them)"; exit 0; }; \
	need=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	test -z "$$need" && exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "missing Debian packages; run: sudo apt-get install -y --no-install-recommends" $$need; exit 1; \
	fi; \
	echo "installing" $$need; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$need

go-modules: ## download the Go modules go.mod names
	$(GO) mod download
