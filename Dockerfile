# Backprop Stepper: FastAPI app served by its own console script (`backprop-stepper`).
#
#   docker build -t backprop-stepper .
#   docker run --rm -p 8000:8000 -v backprop-data:/data backprop-stepper
#
# No apt packages are installed: the runtime needs only the Python wheels.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    BACKPROP_HOST=0.0.0.0 \
    BACKPROP_PORT=8000 \
    BACKPROP_DATA_DIR=/data

# Unprivileged user with a fixed numeric id (so `runAsNonRoot` checks can verify it),
# and the data directory it owns. /data is declared a VOLUME only after the chown.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data

# The package reads templates/ and static/ from the directory next to app/
# (Path(__file__).parents), so the source tree stays at /srv/app and is installed in
# editable mode: `app` is then imported from /srv/app/app, not from a copy in
# site-packages that would have no templates/ or static/ beside it.
# The sources stay root-owned and read-only for the app user.
WORKDIR /srv/app
COPY pyproject.toml README.md ./
COPY app/ ./app/
COPY templates/ ./templates/
COPY static/ ./static/
RUN pip install --no-cache-dir -e . \
    && python -c "import app, pathlib; assert pathlib.Path(app.__file__).resolve().is_relative_to('/srv/app')"

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BACKPROP_PORT', '8000') + '/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["backprop-stepper"]
