# Fangkong: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
VENDOR := fangkong/static/vendor
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-suite screenshots setup venv static migrate demo system-deps lint format bench bench-modules messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from the npm lock file and are served from our own static files.
$(VENDOR)/.installed: node_modules/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	touch $@

static: $(VENDOR)/.installed

migrate: venv
	@mkdir -p var
	$(MANAGE) migrate --noinput -v 0

setup: venv static migrate

demo: setup
	$(MANAGE) load_demo --if-empty

run: demo
	$(MANAGE) demo_logins
	@echo "Fangkong: http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the job worker)"
	@# DEBUG off: users of the demo get the project's 404/500 pages, never Django's debug pages
	@# (which list every URL pattern); whitenoise serves the static files from the finders.
	@trap 'kill 0' INT TERM EXIT; \
	  DEBUG=0 $(MANAGE) db_worker --queue-name '*' --interval 1 --no-reload & \
	  DEBUG=0 $(MANAGE) runserver --noreload $(HOST):$(PORT)

# Browser tests drive Debian's Chromium (with CJK fonts, or Chinese renders as boxes); the
# translation check needs GNU gettext; WeasyPrint (PDF documents) needs Pango; the browser tests
# look at a printed notice as a picture (poppler's pdftoppm). As root on a fresh machine we install them.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || ! ldconfig -p | grep -q libpangoft2 || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian chromium, fonts-noto-cjk, gettext, pango and poppler-utils"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null; \
	  else \
	    echo "Tests need: sudo apt-get install -y chromium fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 poppler-utils" >&2; exit 1; \
	  fi; \
	fi

test: setup system-deps test-suite

# The checks and the suite alone (CI runs it a second time with DATABASE_URL on PostgreSQL).
test-suite:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Refresh the user guide's screenshots (docs/img/) from every app's browser tests.
screenshots: setup system-deps
	FANGKONG_SCREENSHOT_DIR=$(CURDIR)/docs/img $(VENV)/bin/pytest -q -n 2 --dist loadfile -m browser

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild translation catalogs (needs GNU gettext): Simplified Chinese is translated by hand,
# Traditional is derived from it with OpenCC, English is the source text. .mo files are committed.
messages: venv
	$(PY) tools/i18n.py update

bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)
	$(MAKE) bench-modules

# The modules' benchmarks on PostgreSQL at the issues' sizes (each writes
# bench/results/<module>-postgresql.json; BENCH_MODULE_ARGS e.g. "--db sqlite").
BENCH_MODULES ?= checkpoints observation surveys bigdata reports alerts
bench-modules: setup
	@for m in $(BENCH_MODULES); do \
	  echo "== bench/$$m.py"; $(PY) bench/$$m.py --db postgresql $(BENCH_MODULE_ARGS) || exit 1; \
	done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles
