# The two commands of the README: `make run` and `make test`. Everything else is set-up
# they do on their own from this repository's files.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test bench install kafka-jars clean

run: install kafka-jars
	GUARD_LOG_FORMAT=console $(VENV)/bin/guardstream up --demo

test: install kafka-jars
	$(VENV)/bin/pytest -q

bench: install kafka-jars
	$(PY) -m tests.bench

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

clean:
	rm -rf $(VENV) .guardstream .pytest_cache
