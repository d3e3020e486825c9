package io.cdcsentinel.alerts.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

/**
 * The README's recipe for a client that knows only Confluent's wire format (any language): byte 0 is the magic
 * byte 0, bytes 1-4 the schema id (big-endian), the rest Avro binary; the writer's schema is
 * {@code GET <registry>/apis/ccompat/v7/schemas/ids/{id}} ({@code {"schema": "..."}}), fetched once per id. Keys
 * and values of every alert topic are encoded this way. {@code AlertsCommandIT} decodes the test's records with it.
 */
public final class ConfluentWireFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String ccompat;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    /** {@code registry} is the registry's base URL, e.g. http://registry:8080. */
    public ConfluentWireFormat(String registry) {
        this.ccompat = registry + "/apis/ccompat/v7";
    }

    public GenericRecord decode(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.get() != 0) {
            throw new IllegalArgumentException("not Confluent's wire format: the first byte is not the magic byte 0");
        }
        int id = buffer.getInt();
        Schema writer = schemas.computeIfAbsent(id, this::fetch);
        try {
            return new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Schema fetch(int id) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ccompat + "/schemas/ids/" + id)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("schema id " + id + ": HTTP " + response.statusCode() + " " + response.body());
            }
            return new Schema.Parser().parse(JSON.readTree(response.body()).get("schema").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
