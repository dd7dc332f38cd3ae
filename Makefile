# One way to do each task. `make run` and `make test` work on a machine with only Python 3.11,
# make and pip: everything else is installed into .venv from requirements*.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run serve worker test test-services lint format bench clean nginx

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

# Migrate, seed the demo catalog (idempotent: quick after the first time), then run the ASGI
# server and one Celery worker together; Ctrl-C stops both.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_listening
	@echo ""
	@echo "  Streamify is starting at http://$(HOST):$(PORT)/   (studio: /studio/, admin: /admin/, API: /v1/docs)"
	@echo "  Demo logins (password: streamify): listener@demo.streamify (free), premium@demo.streamify,"
	@echo "  artist@demo.streamify (studio), admin@demo.streamify (staff)"
	@echo ""
	@$(BIN)/celery --quiet -A streamify worker -B --schedule var/celerybeat-schedule -l warning --concurrency=1 \
	  --without-mingle --without-gossip & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/uvicorn streamify.server:application --host $(HOST) --port $(PORT) --lifespan off

serve: install
	$(BIN)/uvicorn streamify.server:application --host $(HOST) --port $(PORT) --lifespan off

worker: install
	$(BIN)/celery -A streamify worker -l info --concurrency=1 --without-mingle --without-gossip

# The embedded mode: SQLite, in-memory layers, a folder as the broker. No services needed.
test: install
	$(BIN)/pytest

# The services mode: PostgreSQL and Redis must be running; a test skipped for a missing service fails.
test-services: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/streamify} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	DB_CONN_MAX_AGE=0 STREAMIFY_REQUIRE_SERVICES=1 $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@for bench in tests/benchmarks/bench_*.py; do \
	  module=$$(echo $$bench | sed 's|/|.|g; s|\.py$$||'); \
	  echo "== $$module"; $(BIN)/python -m $$module || exit 1; echo ""; \
	done

# The delivery edge (docker/nginx/templates/) in front of `make run` or `make serve`: nginx checks
# signed stream URLs itself, caches segments and proxies everything else to the app on $(PORT).
# Rendered from settings into var/nginx/ and run in the foreground as the current user.
NGINX_PORT ?= 8080
NGINX      ?= $(shell command -v nginx || command -v /usr/sbin/nginx)

nginx: install
	@test -n "$(NGINX)" || { echo "install nginx: apt-get install nginx-light"; exit 1; }
	$(MANAGE) render_nginx_conf --out var/nginx --listen $(HOST):$(NGINX_PORT) --app $(HOST):$(PORT)
	@echo "  The edge is starting at http://$(HOST):$(NGINX_PORT)/ (the app must run on $(PORT); Ctrl-C stops nginx)"
	$(NGINX) -p $(CURDIR)/var/nginx -c nginx.conf -e stderr -g 'daemon off;'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
