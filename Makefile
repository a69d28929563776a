# The two commands a newcomer needs: `make run` and `make test`. Both build their own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-long lint clean bench bench-quick wordpress-zip

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/loyalty db upgrade
	$(BIN)/loyalty serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-bench
	./scripts/ensure-services.sh
	./scripts/ensure-chromium.sh
	./scripts/ensure-php.sh
	./scripts/ensure-node.sh
	LOYALTY_REQUIRE_INTEGRATIONS=1 $(BIN)/python -m pytest
	$(MAKE) bench-quick

# The scale-out fault tests at full size: 5,000 deliveries each (make test runs ~740).
test-long: $(VENV)/.installed-test
	./scripts/ensure-services.sh
	LOYALTY_TEST_LONG=1 $(BIN)/python -m pytest tests/e2e/test_fleet.py -s

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

# Every scenario beside its baseline; results, Markdown and charts under bench/results/.
bench: $(VENV)/.installed-bench
	./scripts/ensure-services.sh
	./scripts/ensure-wrk.sh
	$(BIN)/python -m bench

bench-quick: $(VENV)/.installed-bench
	./scripts/ensure-services.sh
	./scripts/ensure-wrk.sh
	$(BIN)/python -m bench --quick

# The installable WordPress plugin: dist/loyalty-connector.zip
wordpress-zip:
	./integrations/wordpress/build-zip.sh dist

lint: $(VENV)/.installed-test
	$(BIN)/ruff check connector adapters rules webhooks tests

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
