# Kirana in a container: SQLite in the /data volume by default; set
# KIRANA__DATABASE__URL=mysql://... to run several instances on MySQL/MariaDB.
FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb-dev libmariadb-dev-compat pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY static static
# Invoices embed their font; Cargo.toml names the benchmarks' examples.
COPY assets assets
COPY bench bench
RUN cargo build --release --locked --features mysql

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kirana \
 && mkdir -p /data && chown kirana:kirana /data
COPY --from=build /src/target/release/kirana /usr/local/bin/kirana
COPY config /etc/kirana
USER 10001
WORKDIR /data
ENV KIRANA__SERVER__HOST=0.0.0.0 \
    KIRANA__DATA_DIR=/data \
    KIRANA__LOG__FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s \
  CMD ["kirana", "--config-dir", "/etc/kirana", "health"]
ENTRYPOINT ["kirana", "--config-dir", "/etc/kirana"]
CMD ["serve"]
