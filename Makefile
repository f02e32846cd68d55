# 办事通 backend. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint format proto proto-check bench soak migrate seed clean

$(STAMP): pyproject.toml
	@echo "==> setting up the Python environment in $(VENV) (first time, or after pyproject.toml changed)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> updating pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> installing the platform and its dependencies (about 30 s) ..."
	@$(BIN)/python -m pip install --quiet --progress-bar off -e '.[dev]'
	@touch $(STAMP)
	@echo "==> installed"

run: $(STAMP)  ## migrate, seed and run the gateway and the four services; prints one "ready" line with the URLs
	@$(BIN)/python scripts/run.py

demo: $(STAMP)  ## walk the core story against a running platform (`make run` in another terminal); DEMO_URL to point elsewhere
	@$(BIN)/python scripts/demo.py $(DEMO_URL)

test: $(STAMP)  ## the whole suite; also on PostgreSQL and Redis when BST_TEST_POSTGRES_URL / BST_TEST_REDIS_URL are set
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --exclude '**/seed.py' .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format --exclude '**/seed.py' .

proto: $(STAMP)  ## regenerate the Python gRPC code from proto/
	$(BIN)/python scripts/gen_proto.py

proto-check: proto  ## fail when the committed generated code is not what proto/ generates
	git diff --exit-code -- proto/ || (echo "generated gRPC code is stale: run 'make proto' and commit" >&2; exit 1)
	test -z "$$(git status --porcelain -- proto/)" || (git status --porcelain -- proto/; echo "untracked generated files: run 'make proto' and commit" >&2; exit 1)

migrate: $(STAMP)
	$(BIN)/bst migrate

seed: $(STAMP)
	$(BIN)/bst seed

bench: $(STAMP)  ## measure the hot paths (see loadtests/README.md)
	$(BIN)/python -m loadtests.bench

soak: $(STAMP)  ## price the Locust mix with Locust (stepped), then soak at 70 % of it for SOAK_SECONDS (600); run `make bench` first (its p99 per path)
	$(BIN)/python -m loadtests.soak

clean:
	rm -rf var
