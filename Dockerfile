# The cdc-sentinel application image used by docker-compose.yml.
# Build the jar first (mvn -B -DskipTests install), then: docker build -t cdc-sentinel:0.1.0 .
FROM eclipse-temurin:17.0.15_6-jre
WORKDIR /opt/cdc-sentinel
COPY streams-app/target/lib/ lib/
COPY streams-app/target/cdc-sentinel.jar cdc-sentinel.jar
RUN useradd --system --uid 10001 sentinel && mkdir -p /var/lib/cdc-sentinel && chown sentinel /var/lib/cdc-sentinel
USER sentinel
ENV SENTINEL_STREAMS_STATE_DIR=/var/lib/cdc-sentinel/state
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/cdc-sentinel/cdc-sentinel.jar"]
CMD ["run"]
