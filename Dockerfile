# The store's production image (used by docker-compose.yml).
# Front-end libraries come from the npm registry in a build stage; nothing is fetched at run time.
FROM node:20-slim AS assets
WORKDIR /build
COPY scripts/install-assets.sh scripts/
RUN bash scripts/install-assets.sh

# 3.12, not 3.11: under CPython 3.11 the server segfaults under concurrent requests (README).
# Debian 13 (trixie), named rather than left to the slim tag's default: `store backup` and
# `store restore` run pg_dump and pg_restore from this image, and Debian ships one major version
# of them per release, 17 in trixie (15 in bookworm). pg_dump refuses a server newer than itself,
# and pg_restore of a newer major may write what an older server rejects, so the client tools and
# docker-compose.yml's postgres image are of the same major version: change them together
# (tests/unit/test_docker_compose.py checks they agree; README, "Backups").
FROM python:3.12-slim-trixie
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-17 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/store
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY store ./store
COPY search ./search
COPY templates ./templates
COPY static ./static
COPY --from=assets /build/static/vendor ./static/vendor
# Editable install: templates/ and static/ are read from /srv/store.
RUN pip install --no-cache-dir -e .
EXPOSE 8000
# exec: `store run` replaces the shell as PID 1, so `docker stop`'s SIGTERM reaches it and requests
# in flight finish (STORE_SHUTDOWN_GRACE_SECONDS) instead of being killed.
CMD ["sh", "-c", "store migrate && exec store run --host 0.0.0.0 --port 8000"]
