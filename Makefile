# Two commands on a fresh machine (see README):
#   make demo   set everything up, build the index, answer a question from the demo kennisbank
#   make test   set everything up and run the checks and the test suite
# Both create .venv on first use; a new pyproject.toml triggers a re-install.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VRAAG  ?= mijn peuter slaapt niet door

.PHONY: demo chat test lint eval bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: a plain `torch` (pulled in by sentence-transformers) is a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev,sentence-transformers]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/assistent vraag "$(VRAAG)"

chat: $(BIN)/.installed
	$(BIN)/assistent chat

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	# two workers; the crisis model trains once, under a lock (tests/conftest.py)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

eval: $(BIN)/.installed
	$(BIN)/assistent eval tests/eval/voorbeeldstad.yaml
	$(BIN)/assistent eval tests/eval/crisis.yaml

clean:
	rm -rf $(VENV) index/builds index/cache index/CURRENT
