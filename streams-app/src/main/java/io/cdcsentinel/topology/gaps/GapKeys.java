package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.TenantDayKey;
import java.time.Instant;

/**
 * Keys and roll-up buckets. The tenant is (customer, profile) in the director naming; the
 * {@code customer_id}/{@code profile_id} columns of the other tables are the same values and are mapped
 * onto it. Buckets are UTC hours and days of the scorecard's {@code created_at}.
 */
final class GapKeys {
    static final long HOUR_MS = 3_600_000L;
    static final long DAY_MS = 24 * HOUR_MS;

    private GapKeys() {
    }

    static ScorecardGapKey scorecard(String customer, String profile, String scorecardId) {
        return new ScorecardGapKey(customer, profile, scorecardId);
    }

    static TenantDayKey day(String customer, String profile, long createdMs) {
        return new TenantDayKey(customer, profile, floor(createdMs, DAY_MS));
    }

    static GapRateKey bucket(String customer, String profile, long createdMs, BucketSize size) {
        long length = length(size);
        return new GapRateKey(customer, profile, Instant.ofEpochMilli(floor(createdMs, length)), size);
    }

    static long length(BucketSize size) {
        return size == BucketSize.HOUR ? HOUR_MS : DAY_MS;
    }

    static long end(GapRateKey key) {
        return key.getBucketStart().toEpochMilli() + length(key.getBucketSize());
    }

    static long floor(long ms, long size) {
        return Math.floorDiv(ms, size) * size;
    }

    static long microsToMillis(long micros) {
        return Math.floorDiv(micros, 1000L);
    }
}
