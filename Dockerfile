# sceneintruder: the API server on its embedded defaults (SQLite under /app/data, offline providers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/data

WORKDIR /app

# Fonts for lettering comic panels and film subtitles: CJK (WenQuanYi Micro Hei, which also covers Latin) and
# DejaVu Sans; espeak-ng narrates the offline film (ffmpeg comes from the imageio-ffmpeg wheel).
RUN apt-get update && \
    apt-get install -y --no-install-recommends fonts-wqy-microhei=0.2.0-beta-3.1 fonts-dejavu-core=2.37-6 \
        espeak-ng=1.51+dfsg-10+deb12u2 && \
    rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app && \
    useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY config ./config
COPY src ./src
RUN pip install -e ".[postgres]" && mkdir -p /app/data && chown -R app:app /app/data

USER 10001:10001
EXPOSE 8080
VOLUME ["/app/data"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/api/health\", timeout=4)"]

CMD ["sceneintruder", "serve"]
