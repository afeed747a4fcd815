# syntax=docker/dockerfile:1
# One image per deployable: `docker build --target admin .` (make image builds them all).
# Each target holds only its service's locked dependencies, runs as uid 10001 and needs nothing
# written outside /tmp, so it runs with a read-only root filesystem (deploy/k8s mounts /tmp).

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
# The console's web app is built with the Node.js its lockfile is tested with (make console).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
# Bytecode compiled at build time: a read-only root cannot take it later.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services

FROM build AS build-admin
RUN uv sync --no-dev --no-editable --package flightdeck-admin
FROM build AS build-events
RUN uv sync --no-dev --no-editable --package flightdeck-events
FROM build AS build-dataproxy
RUN uv sync --no-dev --no-editable --package flightdeck-dataproxy
FROM build AS build-signals
RUN uv sync --no-dev --no-editable --package flightdeck-signals
FROM build AS build-executor
RUN uv sync --no-dev --no-editable --package flightdeck-executor
FROM build AS build-scheduler
RUN uv sync --no-dev --no-editable --package flightdeck-scheduler
FROM build AS build-notifications
RUN uv sync --no-dev --no-editable --package flightdeck-notifications
FROM build AS build-agents
RUN uv sync --no-dev --no-editable --package flightdeck-agents
FROM build AS build-console
RUN uv sync --no-dev --no-editable --package flightdeck-console

# The console's web app, from its committed lockfile; only web/dist reaches the image.
FROM ${NODE_IMAGE} AS build-console-web
WORKDIR /web
COPY services/console/web/package.json services/console/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY services/console/web ./
RUN npm run build

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 flightdeck \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp flightdeck
ENV PATH=/app/.venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /tmp
USER 10001:10001

FROM runtime AS admin
COPY --from=build-admin /app/.venv /app/.venv
EXPOSE 8181 8180
ENTRYPOINT ["flightdeck-admin"]

FROM runtime AS events-gateway
COPY --from=build-events /app/.venv /app/.venv
EXPOSE 8281 8280
ENTRYPOINT ["flightdeck-events-gateway"]

FROM runtime AS events-projector
COPY --from=build-events /app/.venv /app/.venv
EXPOSE 8290
ENTRYPOINT ["flightdeck-events-projector"]

FROM runtime AS dataproxy
COPY --from=build-dataproxy /app/.venv /app/.venv
EXPOSE 8381 8380
ENTRYPOINT ["flightdeck-dataproxy"]

FROM runtime AS signals
COPY --from=build-signals /app/.venv /app/.venv
EXPOSE 8481 8480
ENTRYPOINT ["flightdeck-signals"]

FROM runtime AS executor
COPY --from=build-executor /app/.venv /app/.venv
EXPOSE 8580
ENTRYPOINT ["flightdeck-executor"]

FROM runtime AS scheduler
COPY --from=build-scheduler /app/.venv /app/.venv
EXPOSE 8680
ENTRYPOINT ["flightdeck-scheduler"]

FROM runtime AS notifications
COPY --from=build-notifications /app/.venv /app/.venv
EXPOSE 8780
ENTRYPOINT ["flightdeck-notifications"]

FROM runtime AS agents
COPY --from=build-agents /app/.venv /app/.venv
EXPOSE 8881 8880
ENTRYPOINT ["flightdeck-agents"]

FROM runtime AS console
COPY --from=build-console /app/.venv /app/.venv
COPY --from=build-console-web /web/dist /app/console-web
# The installed package cannot find web/dist beside its source as it does in the repository.
ENV FLIGHTDECK_CONSOLE_ASSETS_DIR=/app/console-web
EXPOSE 8980
ENTRYPOINT ["flightdeck-console"]
