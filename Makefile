# EcoGrid — the two commands: `make run` (the app, embedded) and `make test` (the suite).
# Both create .venv on first use. PostgreSQL/Redis are used when DATABASE_URL /
# CELERY_BROKER_URL are set; otherwise SQLite and eager Celery.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install system-packages migrate demo messages bench bench-ci vendor clean

$(STAMP): pyproject.toml scripts/requirements.py
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) scripts/requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $(STAMP)

install: $(STAMP)

## System packages the OCR, fonts and browser tests need (installed when running as root).
system-packages:
	@bash scripts/system-packages.sh

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

## make run — the app on http://127.0.0.1:8000 with demo data (SQLite + eager Celery by default).
run: demo
	@echo ""
	@echo "EcoGrid is starting on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test — the whole suite; exits non-zero on failure or when no test ran (pytest exit 5).
test: install system-packages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo "Model changes without migrations"; exit 1; }
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench — performance figures against PostgreSQL (see docs/performance.md): seeds
## 1,000,000 vs 10,000 cases into two databases of their own (created when missing; first run
## ~10 min), then prints one table. bench-ci: the small configuration CI runs (~1 min).
BENCH_DATABASE_URL    ?= postgres://postgres@127.0.0.1:5432/ecogrid_bench
BENCH_CI_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ecogrid_bench_ci
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench $(BENCH_ARGS)

bench-ci: install
	DATABASE_URL=$(BENCH_CI_DATABASE_URL) $(PY) manage.py bench --small --cases 10000 $(BENCH_ARGS)

messages: install
	for app in core grids cases dispatch inspections credit forms_fill volunteers dashboard scan open311; do (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete >/dev/null); done
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete $(foreach d,.venv core grids cases dispatch inspections credit forms_fill volunteers dashboard scan open311 tests scripts staticfiles,--ignore=$(d))
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
