package io.cdcsentinel.topology.gaps;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer that knows nothing but Confluent's wire format reads the alert topics: magic byte 0, a 4-byte
 * big-endian schema id, Avro binary; the schema fetched by id from the registry's Confluent-compatible API
 * ({@code /apis/ccompat/v7/schemas/ids/{id}}) and decoded with plain Avro, no registry serde, no generated
 * classes.
 */
@ExtendWith(StackExtension.class)
class GapAlertInteropIT {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<Integer, Schema> schemas = new HashMap<>();

    @Test
    void shouldLetAConfluentWireFormatConsumerDecodeGapsAndRatesWithSchemasFromTheCcompatApi(StackFixture stack) throws Exception {
        ApiWorkload workload = ApiWorkload.plan(60, 0.5, 3L);
        try (GapPipeline pipeline = new GapPipeline(stack.config(HistoricGapIT.fastClocks())); Connection sql = pipeline.connect()) {
            pipeline.createOutputTopics().startCdc().startTopology();
            workload.writeCreations(sql);
            String ccompat = RegistrySettings.from(pipeline.config).confluentCompatUrl();

            List<String> lost = ApiWorkload.missingFromHistoric(sql, Duration.ZERO).stream()
                    .map(id -> id.substring(id.lastIndexOf('/') + 1)).toList();
            assertThat(lost).isNotEmpty();

            Awaitility.await("an alert for every lost scorecard, decoded by hand").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(pipeline.rawRecords(pipeline.topics.gaps()))
                            .extracting(r -> decode(ccompat, r.value()).get("scorecard_id").toString())
                            .containsExactlyInAnyOrderElementsOf(lost));
            List<ConsumerRecord<byte[], byte[]>> gaps = pipeline.rawRecords(pipeline.topics.gaps());
            for (ConsumerRecord<byte[], byte[]> record : gaps) {
                GenericRecord key = decode(ccompat, record.key());
                GenericRecord event = decode(ccompat, record.value());
                assertThat(event.getSchema().getFullName()).isEqualTo("io.cdcsentinel.avro.ScorecardGapEvent");
                assertThat(key.getSchema().getFullName()).isEqualTo("io.cdcsentinel.avro.ScorecardGapKey");
                assertThat(event.get("event_type").toString()).isEqualTo("OPENED");
                assertThat(event.get("scorecard_id").toString()).isEqualTo(key.get("scorecard_id").toString());
                assertThat(event.get("director_score_count")).isEqualTo(ApiWorkload.SCORES_PER_SCORECARD);
            }
            assertThat(pipeline.rawRecords(pipeline.topics.gapRates())).isNotEmpty();
            for (ConsumerRecord<byte[], byte[]> record : pipeline.rawRecords(pipeline.topics.gapRates())) {
                GenericRecord key = decode(ccompat, record.key());
                GenericRecord rate = decode(ccompat, record.value());
                assertThat(rate.getSchema().getFullName()).isEqualTo("io.cdcsentinel.avro.GapRate");
                assertThat(rate.get("bucket_size").toString()).isEqualTo(key.get("bucket_size").toString());
                assertThat((Long) rate.get("unsubmitted_total") + (Long) rate.get("submitted_total")).isPositive();
            }
        }
    }

    /** Confluent's wire format by hand: magic byte, schema id, Avro binary. */
    private GenericRecord decode(String ccompat, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertThat(buffer.get()).as("magic byte").isEqualTo((byte) 0);
        int id = buffer.getInt();
        Schema schema = schemas.computeIfAbsent(id, i -> fetchSchema(ccompat, i));
        try {
            return new GenericDatumReader<GenericRecord>(schema).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, buffer.position(), buffer.remaining(), null));
        } catch (IOException e) {
            throw new AssertionError("schema " + id + " does not decode the record", e);
        }
    }

    private Schema fetchSchema(String ccompat, int id) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ccompat + "/schemas/ids/" + id)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET /schemas/ids/%d: %s", id, response.body()).isEqualTo(200);
            JsonNode body = json.readTree(response.body());
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
