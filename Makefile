# The few verbs a user needs. `make test` is what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_VERSION := 26.3
# make dev EXECUTOR=celery: Redis, two Celery workers and Flower (docker-compose.celery.yml)
EXECUTOR ?= local

.PHONY: help venv test lint format hooks bench dev up down logs logins clean vendor-docs screenshots

help:
	@echo "make up      start the platform with Docker Compose (UI on http://127.0.0.1:8080)"
	@echo "make down    stop it (volumes kept; 'docker compose down -v' forgets everything)"
	@echo "make logins  print the Airflow UI login and the analyst's warehouse login again"
	@echo "make dev     the same platform without Docker: local PostgreSQL and Airflow processes"
	@echo "             (make dev EXECUTOR=celery: with Redis, two Celery workers and Flower)"
	@echo "make test    lint + the whole test suite against a throwaway PostgreSQL"
	@echo "make bench   print generation/load rates and stage timings"
	@echo "make lint    ruff + sqlfluff + the layering of include/ (import-linter)"
	@echo "make format  fix what lint finds that can be fixed (ruff format, ruff --fix, sqlfluff fix)"
	@echo "make hooks   run lint on every commit (pre-commit, with the venv's own tools)"
	@echo "make vendor-docs  fetch the scripts and styles Data Docs load again (npm registry, pinned)"
	@echo "make screenshots  run the browser test and copy its screenshots to docs/screenshots/"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip check
	touch $@

venv: $(BIN)/.installed

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint sql/ tests/toy_domain/sql/
	$(BIN)/lint-imports --no-logo

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix sql/ tests/toy_domain/sql/

hooks: venv
	$(BIN)/pre-commit install

test: lint
	$(BIN)/python -m pytest

dev: venv
	$(BIN)/python -m include.devstack.stack --executor $(EXECUTOR)

bench: venv
	$(BIN)/python scripts/bench.py

screenshots: venv
	rm -rf test-artifacts
	$(BIN)/python -m pytest tests/stack/test_browser.py
	cp test-artifacts/0[3-8]-*.png docs/screenshots/

vendor-docs: venv
	$(BIN)/python scripts/vendor_data_docs_assets.py

up:
	docker compose up -d --build --wait
	@docker compose logs --no-log-prefix airflow-init | grep -A6 "Airflow UI" \
		|| echo "up and healthy; 'make logins' prints the logins"

down:
	docker compose down

logins:
	docker compose run --rm --no-deps airflow-init bash /opt/airflow/scripts/airflow-init.sh logins

logs:
	docker compose logs -f

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .import_linter_cache
