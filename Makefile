# The two commands of the README: `make run` and `make test`. Everything else is set-up
# they do on their own from this repository's files.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

WEB    := query_api/web
VENDOR := $(WEB)/static/vendor/.installed-$(shell cat $(WEB)/package-lock.json | sha1sum | cut -c1-12)
ROOT   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench screenshots install kafka-jars web-assets chromium clean

run: install kafka-jars web-assets
	GUARD_LOG_FORMAT=console $(VENV)/bin/guardstream up --demo

test: install kafka-jars web-assets chromium
	$(VENV)/bin/pytest -q

bench: install kafka-jars web-assets chromium
	$(PY) -m tests.bench

# A PNG of every page at 1440x900 under docs/screenshots/, from a fresh stack with demo traffic.
screenshots: install kafka-jars web-assets chromium
	$(PY) -m tests.browser.screenshots

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guardstream needs Python >= 3.11; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# Resolves the Kafka broker's jars from Maven Central once (cached under ~/.cache/guardstream).
kafka-jars: install
	@$(VENV)/bin/guardstream kafka-jars

# The dashboard's vendor libraries (package-lock.json, from the npm registry), copied into
# static/vendor/ where query_api serves them: no bundler, no CDN.
web-assets: $(VENDOR)

$(VENDOR): $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js (e.g. apt-get install npm) for the dashboard's vendor libraries"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@rm -rf $(WEB)/static/vendor && mkdir -p $(WEB)/static/vendor
	cp $(WEB)/node_modules/chart.js/dist/chart.umd.min.js $(WEB)/static/vendor/
	@touch $@

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser). Instant when it is installed already.
chromium:
	@command -v chromium >/dev/null || { $(ROOT) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(ROOT) apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) .guardstream .pytest_cache $(WEB)/node_modules $(WEB)/static/vendor
