package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.sink.LabelRowEncoderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class IdentityCachingDatumProviderTest {
    private final IdentityCachingDatumProvider<Object> provider = new IdentityCachingDatumProvider<>();

    IdentityCachingDatumProviderTest() {
        provider.configure(new AvroSerdeConfig(Map.of(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, "true")));
    }

    @Test
    void shouldHandTheSameReaderForTheSameSchemaInstance() {
        Schema schema = ConversationLabel.getClassSchema();
        assertThat(provider.createDatumReader(schema)).isSameAs(provider.createDatumReader(schema));
    }

    @Test
    void shouldHandTheSameWriterForTheSameSpecificSchema() {
        ConversationLabel label = LabelRowEncoderTest.label().build();
        assertThat(provider.createDatumWriter(label, label.getSchema())).isSameAs(provider.createDatumWriter(label, label.getSchema()));
    }

    @Test
    void shouldReadWhatItWritesAsSpecificRecords() throws IOException {
        ConversationLabel label = LabelRowEncoderTest.label().build();
        DatumWriter<Object> writer = provider.createDatumWriter(label, label.getSchema());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(label, encoder);
        encoder.flush();
        // a writer schema parsed anew, as a registry client would hand it over: a different instance
        Schema fromRegistry = new Schema.Parser().parse(ConversationLabel.getClassSchema().toString());
        DatumReader<Object> reader = provider.createDatumReader(fromRegistry);
        Object read = reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read).isInstanceOf(ConversationLabel.class).isEqualTo(label);
        assertThat(provider.createDatumReader(fromRegistry)).isSameAs(reader);
    }
}
