# newsstream: `make run` and `make test` are the two set-up commands (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install services init run test lint format bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

services: install
	$(BIN)/newsstream services up

init: services
	$(BIN)/newsstream init

run: init
	$(BIN)/newsstream run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The test session starts the real Kafka and Elasticsearch itself (reusing running ones) and
# stops what it started.
test: lint
	$(BIN)/pytest -ra

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
