# The two commands: `make run` and `make test`. Everything else is a step they take.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-days setup bench bench-table bench-inbox bench-calendar bench-manuals bench-letters lint db demo assets translations system-packages clean

run: setup db demo  ## install, migrate, load demo data, start the app and the scheduler
	@echo ""
	@echo "RatchaFlow: http://$(HOST):$(PORT)/  (sign in with one of the demo users above)"
	@echo ""
	SCHEDULER_IN_PROCESS=1 BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT)

test: setup system-packages lint  ## the whole suite, on SQLite and (when reachable) PostgreSQL, on every core
	$(BIN)/pytest -n auto --dist worksteal

# Days the suite must also pass on: before the default day, in a new Buddhist-era year, in Songkran.
OTHER_DAYS ?= 2026-06-15 2027-06-15 2027-04-14

test-days: setup system-packages  ## the suite as if today were each of OTHER_DAYS (before a change lands)
	set -e; for day in $(OTHER_DAYS); do echo "== as if today were $$day"; \
	  RATCHAFLOW_TEST_TODAY=$$day $(BIN)/pytest -n auto --dist worksteal; done

setup: $(VENV)/.installed node_modules/.installed app/static/vendor/.built translations

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[pg,test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

app/static/vendor/.built: node_modules/.installed scripts/copy-vendor.mjs
	npm run --silent build
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations -D messages >/dev/null

db: setup
	$(BIN)/flask db upgrade

demo: db
	BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask demo load

system-packages:  ## Chromium and the Thai font for the browser tests, from Debian
	@bash scripts/install-system-packages.sh

lint: $(VENV)/.installed node_modules/.installed  ## ruff, the import contracts, and bpmnlint's recommended rules on every diagram
	$(BIN)/ruff check app workflows forms tasks notifications tests bench
	$(BIN)/lint-imports
	npx --no-install bpmnlint workflows/*.bpmn tests/bpmn/*.bpmn

bench: setup  ## request budgets, load, engine and timers benchmarks, then one table of every figure (long)
	@started=$$(date -u +%Y-%m-%dT%H:%M:%S); status=0; \
	for script in http_budgets completion_stages load engine timers; do \
		$(BIN)/python bench/$$script.py || status=1; \
	done; \
	$(BIN)/python bench/table.py --since $$started; exit $$status

bench-table:  ## the table of the benchmarks' latest figures again
	$(BIN)/python bench/table.py

bench-inbox: setup  ## the inbox page at full scale: 1,000,000 instances, some 10,000,000 task rows per database (long)
	$(BIN)/python bench/inbox_scale.py

bench-calendar: setup  ## the working-day calendar: 100,000 deadlines (named so as not to shadow the stdlib calendar)
	$(BIN)/python bench/working_days.py

bench-manuals: setup  ## citizen manuals at full scale: public search, a department's list, legacy import (~15 min)
	$(BIN)/python bench/manuals_scale.py

bench-letters: setup  ## one-page delay-notice letters (shaped Thai, QR code): time per letter, target 20 ms
	$(BIN)/python -m bench.letter_pdf

messages: $(VENV)/.installed  ## re-extract translatable text into the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot app forms notifications
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) node_modules app/static/vendor
