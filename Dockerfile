# syntax=docker/dockerfile:1
# The cdc-sentinel production image, built from source on a clean clone:
#   docker build -t cdc-sentinel:0.1.0 .
# Stage 1 builds the production module (streams-app) and the schemas with Maven; stage 2 is a JRE with the
# application jar and its runtime dependencies only: no Kafka broker, no Scala, no PostgreSQL binaries, no
# simulator or benchmarks (those are the local-stack, simulator, bench and dev modules, never built here).
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# Every module's pom is needed (the root pom lists them all) even though only streams-app and what it depends on
# (schemas) are built. The local repository is a BuildKit cache mount: dependencies are downloaded once per builder.
COPY pom.xml ./
COPY schemas/ schemas/
COPY streams-app/pom.xml streams-app/
COPY streams-app/src/ streams-app/src/
COPY local-stack/pom.xml local-stack/
COPY simulator/pom.xml simulator/
COPY bench/pom.xml bench/
COPY dev/pom.xml dev/
COPY integration-tests/pom.xml integration-tests/
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -pl streams-app -am package -DskipTests

FROM eclipse-temurin:17.0.15_6-jre
WORKDIR /opt/cdc-sentinel
RUN useradd --system --uid 10001 sentinel && mkdir -p /var/lib/cdc-sentinel && chown sentinel /var/lib/cdc-sentinel
COPY --from=build /src/streams-app/target/lib/ lib/
COPY --from=build /src/streams-app/target/cdc-sentinel.jar cdc-sentinel.jar
USER sentinel
ENV SENTINEL_STREAMS_STATE_DIR=/var/lib/cdc-sentinel/state \
    SENTINEL_LOG_FORMAT=json \
    SENTINEL_HTTP_PORT=9400
# Heap fixed, not a share of the container: RocksDB's memory (streams.rocksdb.memory.mb, 256 MB) is off-heap.
# Container memory >= JAVA_HEAP + streams.rocksdb.memory.mb + ~150 MB (README "Operations", Memory).
ENV JAVA_TOOL_OPTIONS="-Xms512m -Xmx1g -XX:+ExitOnOutOfMemoryError"
EXPOSE 9400
# /health/ready over bash's /dev/tcp: the JRE image has no curl, and this needs nothing else.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SENTINEL_HTTP_PORT} && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-jar", "/opt/cdc-sentinel/cdc-sentinel.jar"]
CMD ["run"]
