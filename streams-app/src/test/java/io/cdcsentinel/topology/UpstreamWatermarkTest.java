package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpstreamWatermarkTest {
    private final UpstreamWatermark watermark = new UpstreamWatermark(60_000);

    @Test
    void shouldFollowTheSlowestUpstreamTask() {
        watermark.observe(0, 100_000);
        watermark.observe(1, 70_000);
        watermark.observe(0, 110_000);

        assertThat(watermark.at(110_000)).isEqualTo(70_000);
        watermark.observe(1, 105_000);
        assertThat(watermark.at(110_000)).isEqualTo(105_000);
    }

    @Test
    void shouldPresumeATaskSilentForLongerThanTheMaximumSkewIdle() {
        watermark.observe(0, 500_000);
        watermark.observe(1, 10_000);

        assertThat(watermark.at(500_000)).isEqualTo(440_000);
    }

    @Test
    void shouldNeverGoBackWhenATaskSendsAnOlderRecordOrRunAheadOfStreamTime() {
        watermark.observe(0, 100_000);
        watermark.observe(0, 90_000);
        watermark.observe(1, 120_000);

        assertThat(watermark.at(100_000)).isEqualTo(100_000);
        assertThat(watermark.at(95_000)).as("capped at stream time").isEqualTo(95_000);
    }

    @Test
    void shouldBePlainStreamTimeWithoutUpstreamInformationOrSkew() {
        assertThat(watermark.at(42)).isEqualTo(42);
        watermark.observe(-1, 10);
        assertThat(watermark.at(42)).isEqualTo(42);
        UpstreamWatermark off = new UpstreamWatermark(0);
        off.observe(0, 10);
        assertThat(off.at(42)).isEqualTo(42);
    }

    @Test
    void shouldExpectEverySourceOfThePartitionsSeenWhenSourcesComeInGroups() {
        UpstreamWatermark grouped = new UpstreamWatermark(60_000, 2);
        grouped.observe(2, 500_000); // partition 1, first topic: partitions 0 and 1, both topics, are expected

        assertThat(grouped.at(500_000)).as("three sources silent so far: held at the skew").isEqualTo(440_000);
        grouped.observe(0, 480_000);
        grouped.observe(1, 470_000);
        assertThat(grouped.at(500_000)).isEqualTo(440_000);
        grouped.observe(3, 490_000);
        assertThat(grouped.at(500_000)).isEqualTo(470_000);
    }
}
