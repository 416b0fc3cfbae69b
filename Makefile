# Everyday operations. `make help` lists the targets.
# Docker targets need a .env (cp .env.example .env, then set the secrets).
COMPOSE ?= docker compose
DEV      = $(COMPOSE) -f docker-compose.yml -f docker-compose.dev.yml
# one-shot consumer commands in a fresh container on the compose network
CONSUMER = $(COMPOSE) run --rm --no-deps consumer /usr/local/bin/sleeper-consumer
ARGS    ?=

.DEFAULT_GOAL := help
.PHONY: help up dev down logs ps build test check-static migrate status replay rebuild dlq backup restore proxy config

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

up: ## start the stack in the background
	$(COMPOSE) up -d

dev: ## start with the dev override (consoles, debug logs, all ports on 127.0.0.1)
	$(DEV) up -d

proxy: ## start the stack with the TLS proxy (proxy/README.md)
	$(COMPOSE) --profile proxy up -d

down: ## stop the stack (volumes are kept)
	$(COMPOSE) --profile proxy down

logs: ## follow the logs (SERVICE=consumer to pick one)
	$(COMPOSE) logs -f --tail=200 $(SERVICE)

ps: ## show the services and their health
	$(COMPOSE) ps

build: ## build the image
	$(COMPOSE) build producer

config: ## print the compose file as docker compose resolves it
	$(COMPOSE) config

test: ## the project's test command (needs no Docker)
	bash scripts/test.sh

check-static: ## only the static checks (compose, rules, dashboard, manifests)
	bash scripts/check-static.sh

migrate: ## apply the migrations
	$(COMPOSE) run --rm migrate

status: ## stream, groups, lag, pending, DLQ, archive
	$(CONSUMER) status $(ARGS)

replay: ## re-apply a range of the log, e.g. make replay ARGS="--from 2024-09-01T00:00:00Z --kind rosters"
	$(CONSUMER) replay $(ARGS)

rebuild: ## rebuild every projection table from the whole log
	$(CONSUMER) rebuild $(ARGS)

dlq: ## dead letters, e.g. make dlq ARGS="list" / ARGS="requeue --all"
	$(CONSUMER) dlq $(ARGS)

backup: ## back up Redis, then Postgres (scripts/backup.sh)
	bash scripts/backup.sh $(ARGS)

restore: ## restore a backup (scripts/restore.sh; ARGS are passed on)
	bash scripts/restore.sh $(ARGS)
