# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export CERTIPRO_DEBUG ?= 1
# The built-in stand-in for Pro Santé Connect (development and demo only; refused without debug).
export CERTIPRO_DEV_PSC ?= 1
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test lint format install migrate demo serve bench clean messages

$(STAMP): requirements/lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --verbosity 0

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@$(PY) manage.py demo_banner
	$(PY) manage.py runserver 127.0.0.1:8000

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	mkdir -p var
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(VENV)/bin/mypy certipro config
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The English catalogue (French is the source language: msgids are French). Extracts every marked
# string into locale/en/LC_MESSAGES/django.po, then compiles django.mo: commit both.
messages: install
	$(PY) manage.py makemessages --locale en --ignore .venv --ignore bench --ignore tests --ignore var \
		--no-obsolete --add-location file
	$(PY) manage.py compilemessages --locale en --ignore .venv

bench: install
	$(PY) -m bench.generate --help
	$(PY) -m bench.recompute --help

clean:
	rm -rf $(VENV) var
