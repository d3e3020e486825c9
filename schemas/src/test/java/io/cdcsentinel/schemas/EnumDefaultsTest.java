package io.cdcsentinel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/**
 * Readers survive new enum symbols: every enum of the published value schemas has an Avro {@code default}, the symbol
 * a reader with this build's schema decodes a symbol it does not know as (Avro's resolving decoder). Adding a symbol
 * is then a compatible change for the consumers already deployed.
 *
 * <p>Enums of key schemas are the exception, on purpose: {@code BucketSize} (of {@code GapRateKey}, also used by
 * {@code GapRate}). Read with a default, an unknown bucket size would become another key of the compacted topic (a
 * {@code WEEK} bucket read as the {@code HOUR} bucket it is not) and silently replace its value in a consumer's view;
 * failing to decode is the better outcome there. And any edit of a key schema gives it a new registry id, which is
 * part of every key's bytes: compaction and partitioning would treat the same key before and after as two keys.
 */
class EnumDefaultsTest {
    private static final String NEW_SYMBOL = "ADDED_LATER";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldGiveEveryEnumOfThePublishedValueSchemasADefault() {
        Set<String> keyEnums = keyEnums();
        assertThat(keyEnums).containsExactly("io.cdcsentinel.avro.BucketSize");
        for (var file : PublishedSchemas.load(PublishedSchemas.sources()).entrySet()) {
            for (Schema e : enums(file.getValue())) {
                if (!keyEnums.contains(e.getFullName())) {
                    assertThat(e.getEnumDefault()).as("default of enum %s in %s", e.getFullName(), file.getKey()).isNotNull();
                }
            }
        }
    }

    @Test
    void shouldDecodeASymbolAddedLaterAsTheDefaultWithTheSchemaOfThisBuild() throws IOException {
        int checked = 0;
        for (var file : PublishedSchemas.load(PublishedSchemas.sources()).entrySet()) {
            Schema reader = file.getValue();
            for (Schema e : enums(reader)) {
                if (e.getEnumDefault() == null) {
                    continue;
                }
                Schema writer = withSymbolAddedFirst(reader, e.getFullName());
                byte[] bytes = write(writer, datum(writer, e.getFullName()));

                GenericRecord read = new GenericDatumReader<GenericRecord>(writer, reader).read(null,
                        DecoderFactory.get().binaryDecoder(bytes, null));

                assertThat(symbolsOf(read, e.getFullName())).as("%s read from %s with %s", e.getFullName(), NEW_SYMBOL, file.getKey())
                        .isNotEmpty().containsOnly(e.getEnumDefault());
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void shouldResolveAnUnknownLabelKindToCorrectionInAvrosResolvingDecoder() throws IOException {
        Schema reader = LabelKind.getClassSchema();
        Schema writer = withSymbolAddedFirst(reader, reader.getFullName());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        encoder.writeEnum(writer.getEnumOrdinal(NEW_SYMBOL));
        encoder.flush();

        ResolvingDecoder decoder = DecoderFactory.get().resolvingDecoder(writer, reader,
                DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(reader.getEnumSymbols().get(decoder.readEnum())).isEqualTo("CORRECTION");
    }

    @Test
    void shouldDecodeAnUnknownLabelKindAsCorrectionIntoTheGeneratedClass() throws IOException {
        Schema writer = withSymbolAddedFirst(ConversationLabel.getClassSchema(), LabelKind.getClassSchema().getFullName());
        byte[] bytes = write(writer, datum(writer, LabelKind.getClassSchema().getFullName()));

        ConversationLabel label = new SpecificDatumReader<ConversationLabel>(writer, ConversationLabel.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));

        assertThat(label.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(label.getCustomerId()).isEqualTo("x");
    }

    @Test
    void shouldFailWithTheReleasedSchemaThatHadNoDefault() throws IOException {
        Schema released = PublishedSchemas.load(PublishedSchemas.releases().resolve("0.1.0")).get("ConversationLabel.avsc");
        Schema writer = withSymbolAddedFirst(ConversationLabel.getClassSchema(), LabelKind.getClassSchema().getFullName());
        byte[] bytes = write(writer, datum(writer, LabelKind.getClassSchema().getFullName()));

        assertThatThrownBy(() -> new GenericDatumReader<GenericRecord>(writer, released).read(null,
                DecoderFactory.get().binaryDecoder(bytes, null)))
                .isInstanceOf(AvroTypeException.class).hasMessageContaining(NEW_SYMBOL);
    }

    /** Enums reachable from the key schemas (files named *Key.avsc). */
    private static Set<String> keyEnums() {
        Set<String> names = new TreeSet<>();
        PublishedSchemas.load(PublishedSchemas.sources()).forEach((file, schema) -> {
            if (file.endsWith("Key.avsc")) {
                enums(schema).forEach(e -> names.add(e.getFullName()));
            }
        });
        return names;
    }

    private static List<Schema> enums(Schema schema) {
        Map<String, Schema> found = new LinkedHashMap<>();
        collectEnums(schema, found, new TreeSet<>());
        return new ArrayList<>(found.values());
    }

    private static void collectEnums(Schema schema, Map<String, Schema> found, Set<String> seen) {
        switch (schema.getType()) {
            case ENUM -> found.put(schema.getFullName(), schema);
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    schema.getFields().forEach(f -> collectEnums(f.schema(), found, seen));
                }
            }
            case UNION -> schema.getTypes().forEach(t -> collectEnums(t, found, seen));
            case ARRAY -> collectEnums(schema.getElementType(), found, seen);
            case MAP -> collectEnums(schema.getValueType(), found, seen);
            default -> {
            }
        }
    }

    /**
     * The writer of a later build: {@code schema} with {@link #NEW_SYMBOL} added to enum {@code enumName}, first, so
     * that every ordinal moves (resolution is by name) and without the default (a writer's default plays no part).
     */
    private static Schema withSymbolAddedFirst(Schema schema, String enumName) throws IOException {
        JsonNode tree = JSON.readTree(schema.toString());
        ObjectNode definition = findEnum(tree, enumName, schema.getNamespace());
        assertThat(definition).as("definition of %s", enumName).isNotNull();
        ArrayNode symbols = (ArrayNode) definition.get("symbols");
        symbols.insert(0, NEW_SYMBOL);
        definition.remove("default");
        return new Schema.Parser().parse(JSON.writeValueAsString(tree));
    }

    private static ObjectNode findEnum(JsonNode node, String fullName, String namespace) {
        if (node instanceof ObjectNode object) {
            String ns = object.has("namespace") ? object.get("namespace").asText() : namespace;
            if ("enum".equals(object.path("type").asText())) {
                String name = object.get("name").asText();
                if ((name.contains(".") ? name : ns + "." + name).equals(fullName)) {
                    return object;
                }
            }
            for (JsonNode child : object) {
                ObjectNode hit = findEnum(child, fullName, ns);
                if (hit != null) {
                    return hit;
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode child : array) {
                ObjectNode hit = findEnum(child, fullName, namespace);
                if (hit != null) {
                    return hit;
                }
            }
        }
        return null;
    }

    /** A value of {@code schema}: the new symbol for enum {@code enumName}, something valid everywhere else. */
    private static Object datum(Schema schema, String enumName) {
        return switch (schema.getType()) {
            case RECORD -> {
                GenericData.Record record = new GenericData.Record(schema);
                schema.getFields().forEach(f -> record.put(f.pos(), datum(f.schema(), enumName)));
                yield record;
            }
            case UNION -> schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst()
                    .map(t -> datum(t, enumName)).orElse(null);
            case ENUM -> new GenericData.EnumSymbol(schema, schema.getFullName().equals(enumName)
                    ? NEW_SYMBOL : schema.getEnumSymbols().get(0));
            case STRING -> "x";
            case INT -> 1;
            case LONG -> 1L;
            case DOUBLE -> 1.0;
            case FLOAT -> 1.0f;
            case BOOLEAN -> true;
            case NULL -> null;
            default -> throw new IllegalArgumentException("no sample value for " + schema.getType() + " in this test");
        };
    }

    private static List<String> symbolsOf(Object value, String enumName) {
        List<String> symbols = new ArrayList<>();
        if (value instanceof GenericData.EnumSymbol symbol && symbol.getSchema().getFullName().equals(enumName)) {
            symbols.add(symbol.toString());
        } else if (value instanceof GenericRecord record) {
            record.getSchema().getFields().forEach(f -> symbols.addAll(symbolsOf(record.get(f.pos()), enumName)));
        }
        return symbols;
    }

    private static byte[] write(Schema schema, Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(schema).write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
