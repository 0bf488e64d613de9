# The newsstream app image, used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY agents ./agents
COPY schemas ./schemas
COPY config ./config
RUN pip install --no-cache-dir -e . && useradd --system app
USER app
ENTRYPOINT []
CMD ["newsstream", "run"]
