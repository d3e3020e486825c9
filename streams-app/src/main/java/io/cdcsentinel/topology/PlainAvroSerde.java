package io.cdcsentinel.topology;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro binary of one fixed schema, without a registry. For state stores and internal topics, where
 * writer and reader are the same build, and for topology tests; never for the public output topics
 * (those use the registry-aware serde from {@link AvroSerdes}).
 *
 * <p>A state store serializes a key on every get and put and an internal topic every record, so the
 * per-call cost matters: each thread reuses one output buffer and one encoder (Avro's
 * buffered encoder allocates a 2 KB buffer when created, which was a third of all the bytes the gap
 * topology allocated during a replay). Kafka Streams shares one serializer between the tasks of all its
 * stream threads, hence per thread rather than per instance; a serialize call never re-enters another.
 *
 * <p>Records whose generated class has Avro's custom coders (every schema without logical types or unions
 * of records) are written and read by that generated code instead of the schema-walking datum writer and
 * reader: the same bytes at about a third of the cost. Avro leaves them off unless asked
 * ({@code org.apache.avro.specific.use_custom_coders}); this serde asks on a data model of its own, which
 * carries the class's logical-type conversions for the records that keep the generic path.
 */
public final class PlainAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    public PlainAvroSerde(Class<T> type) {
        var schema = SpecificData.get().getSchema(type);
        SpecificData model = new SpecificData(type.getClassLoader());
        SpecificData.getForSchema(schema).getConversions().forEach(model::addLogicalTypeConversion);
        model.setCustomCoders(true);
        this.writer = new SpecificDatumWriter<>(schema, model);
        this.reader = new SpecificDatumReader<>(schema, schema, model);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            Buffers buffers = BUFFERS.get();
            // reconfiguring flushes what a failed write may have left in the encoder: reset after it
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(buffers.out, buffers.encoder);
            buffers.encoder = encoder;
            buffers.out.reset();
            try {
                writer.write(data, encoder);
                encoder.flush();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot write " + data.getClass().getSimpleName() + " for " + topic, e);
            }
            return buffers.out.bytes();
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            // a decoder over a byte array is a few fields: cheaper to create than to look up per thread
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, null);
            try {
                return reader.read(null, decoder);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot read Avro record from " + topic, e);
            }
        };
    }

    /** One thread's reusable encoding state. */
    private static final class Buffers {
        final Output out = new Output();
        BinaryEncoder encoder;
    }

    /** A growable buffer whose content is copied out once, exactly sized. */
    private static final class Output extends ByteArrayOutputStream {
        Output() {
            super(256);
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, count);
        }
    }
}
