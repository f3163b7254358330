# The API and worker image: one image, two commands (`pasar serve`, `pasar worker`).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app

# Dependencies first, from the lock file only, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY src ./src
COPY migrations ./migrations
COPY schema.graphql ./
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 pasar && mkdir -p /app/var && chown pasar /app/var
USER pasar

ENV PATH="/app/.venv/bin:$PATH" ENVIRONMENT=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["pasar", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
