# The web, worker and beat image (docker-compose.yml). Debian bookworm, like the development
# machines, so GDAL/GEOS/PROJ are the same versions the tests ran with.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
RUN useradd --system --home /app sahel \
 && DEBUG=1 python manage.py collectstatic --noinput \
 && DEBUG=1 python manage.py compilemessages --ignore '.*' \
 && chown -R sahel /app
USER sahel

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
