# didhub — the two commands a newcomer needs are `make demo` and `make test`.
# Everything is installed here from PyPI with uv (itself bootstrapped with the system's python3).

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

DEMO_ENV = DIDHUB_DEMO=true DEBUG=true SITE_URL=http://127.0.0.1:$(PORT)

.PHONY: demo test bench lint format install clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every process would
# otherwise recompile large modules (phonenumbers' geodata alone takes 3 s) on each start.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: $(VENV)/.synced

demo: install
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) PORT=$(PORT) $(PY) manage.py rundemo --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The benchmarks run on PostgreSQL, in a throwaway database they create and drop, with the demo's
# (public) keys and sandbox providers.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/didhub
bench: install
	DIDHUB_DEMO=true DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var .pytest_cache test-artifacts
