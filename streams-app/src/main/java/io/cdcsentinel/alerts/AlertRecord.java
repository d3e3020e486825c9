package io.cdcsentinel.alerts;

import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;

/** One decoded record of an alert topic; a null value is a tombstone (the key's state was dropped). */
public sealed interface AlertRecord {
    Position position();

    String customer();

    String profile();

    /** Where the record was read, for logs and for the reader's progress. */
    record Position(String topic, int partition, long offset) {
        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    record Gap(ScorecardGapKey key, ScorecardGapEvent event, Position position) implements AlertRecord {
        @Override
        public String customer() {
            return key.getCustomer();
        }

        @Override
        public String profile() {
            return key.getProfile();
        }
    }

    record Rate(GapRateKey key, GapRate rate, Position position) implements AlertRecord {
        @Override
        public String customer() {
            return key.getCustomer();
        }

        @Override
        public String profile() {
            return key.getProfile();
        }
    }
}
