# LeerID simulator: the identity provider (the ACM role) with the LeerID Schoolloket.
#
#   docker build -t leerid-sim .
#   docker run --rm -p 8000:8000 -e LEERID_ADMIN_TOKEN=change-me -v leerid-data:/data leerid-sim
#
# On start the container migrates the database, loads the demo world (seeding twice changes
# nothing) and serves on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The simulator runs as a user without privileges; only /data is writable for it.
RUN useradd --create-home --uid 10001 leerid \
    && mkdir /data \
    && chown leerid:leerid /data

WORKDIR /app
COPY . /app
# Editable install of the copied tree: the migrations in /app/alembic are found next to the
# datastore package, as in a clone.
RUN pip install -e . \
    && rm -rf /app/.venv /app/*.db

USER leerid

# The database: a SQLite file on the volume, or PostgreSQL for several workers, e.g.
#   -e LEERID_DATABASE_URL=postgresql+psycopg://user:password@db:5432/leerid
ENV LEERID_DATABASE_URL=sqlite:////data/leerid.db
# LEERID_ISSUER is the issuer URL that *browsers* use to reach the container, not the
# container's own address. It goes into every token (iss), the discovery document and the
# Schoolloket's redirect URIs, so set it to the published address, e.g.
#   -e LEERID_ISSUER=https://leerid.test.example/op   (behind a proxy)
#   -e LEERID_ISSUER=http://localhost:9000/op          (with -p 9000:8000)
# The default fits `-p 8000:8000`.
ENV LEERID_ISSUER=http://localhost:8000/op
# The world loaded at start: "demo", the path of your own world file (docs/fixtures.md) on a
# mounted volume, or empty for none.
ENV LEERID_SEED=demo

EXPOSE 8000

# slim has no curl: ask /health with Python's urllib (200 only when the database answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, sys, urllib.request; port = os.environ.get('LEERID_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=4).status == 200 else 1)"

# Migrate (idempotent), load the world, then serve (exec: uvicorn gets the signals).
CMD ["sh", "-c", "leerid-sim db upgrade && { [ -z \"$LEERID_SEED\" ] || leerid-sim seed \"$LEERID_SEED\"; } && exec leerid-sim serve --host 0.0.0.0"]
