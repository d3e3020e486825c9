package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowTest {

    private static Row row(String column, String value) {
        Row row = new Row();
        row.add(column, value);
        return row;
    }

    private static long expected(String iso) {
        Instant instant = OffsetDateTime.parse(iso).toInstant();
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000L;
    }

    @Test
    void shouldReadDebeziumTimestampsAsTheIsoParserDoes() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L), random.nextInt(1_000_000_000));
            String iso = instant.toString();
            assertThat(Row.utcMicros(iso)).as(iso).isEqualTo(expected(iso));
            assertThat(row("t", iso).micros("t")).as(iso).isEqualTo(expected(iso));
        }
        for (String iso : new String[] {"2026-01-01T10:00:00Z", "2026-01-01T10:00:00.1Z", "2026-01-01T10:00:00.123456789Z",
                "1969-12-31T23:59:59.999999Z", "2024-02-29T00:00:00.000001Z", "0001-01-01T00:00:00Z"}) {
            assertThat(Row.utcMicros(iso)).as(iso).isEqualTo(expected(iso));
        }
    }

    @Test
    void shouldLeaveOtherIsoFormsToTheIsoParser() {
        for (String iso : new String[] {"2026-01-01T10:00Z", "2026-01-01T12:00:00+02:00", "2026-01-01T10:00:00.Z",
                "2026-01-01T10:00:00.1234567890Z", "+12026-01-01T10:00:00Z", "2026-01-01t10:00:00z"}) {
            assertThat(Row.utcMicros(iso)).as(iso).isEqualTo(Long.MIN_VALUE);
        }
        assertThat(row("t", "2026-01-01T12:00:00.5+02:00").micros("t")).isEqualTo(expected("2026-01-01T10:00:00.5Z"));
        assertThat(row("t", "2026-01-01T10:00Z").micros("t")).isEqualTo(expected("2026-01-01T10:00:00Z"));
    }

    @Test
    void shouldRejectImpossibleDatesAndTimes() {
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-01-01T24:00:00Z",
                "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T10:00:0xZ", "yesterday"}) {
            assertThat(Row.utcMicros(bad)).as(bad).isEqualTo(Long.MIN_VALUE);
            assertThatThrownBy(() -> row("t", bad).micros("t")).as(bad).isInstanceOf(BadChangeException.class)
                    .hasMessageContaining("not a timestamp");
        }
    }
}
