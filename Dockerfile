# daihou: the dashboard on the embedded demo bank. `docker build -t daihou . && docker run -p 8501:8501 daihou`
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DAIHOU_DATA_DIR=/data \
    DAIHOU_UCI_SOURCE=/app/data_sources/uci_credit_card/UCI_Credit_Card.csv

WORKDIR /app
COPY pyproject.toml README.md ./
COPY daihou ./daihou
COPY etl ./etl
COPY warehouse ./warehouse
COPY metrics ./metrics
COPY dashboard ./dashboard
COPY data_sources ./data_sources
RUN pip install --quiet uv && uv pip install --system --quiet . && useradd --create-home daihou \
    && mkdir -p /data && chown daihou /data

USER daihou
EXPOSE 8501
VOLUME ["/data"]
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# generates the small demo bank (seeded, about 20 s), loads it, serves on 0.0.0.0:8501
CMD ["daihou", "demo", "--address", "0.0.0.0", "--port", "8501"]
