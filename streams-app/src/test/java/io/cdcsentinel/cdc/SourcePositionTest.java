package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SourcePositionTest {

    private static SourcePosition streamed(long lsn, Long lastCommit, long order) {
        return new SourcePosition(lsn, lastCommit, 1L, 0, false, order);
    }

    @Test
    void shouldOrderTransactionsByCommitNotByChangeLsn() {
        // tx B commits first (its changes were written later in the WAL than A's first change)
        SourcePosition bChange = streamed(22119160, 22000000L, 1);
        // tx A commits after B: its change has a LOWER lsn but a higher previous-commit position
        SourcePosition aChange = streamed(22118584, 22119336L, 1);
        assertThat(aChange.lsn()).isLessThan(bChange.lsn());
        assertThat(aChange.version()).isGreaterThan(bChange.version());
    }

    @Test
    void shouldOrderChangesWithinATransactionByTheirOrder() {
        assertThat(streamed(200, 100L, 2).version()).isGreaterThan(streamed(150, 100L, 1).version());
    }

    @Test
    void shouldGiveSnapshotRowsOrderZeroAtTheSnapshotPosition() {
        SourcePosition snapshot = new SourcePosition(5000, null, 1L, 0, true, null);
        assertThat(snapshot.version()).isEqualTo(5000L << 16);
        assertThat(streamed(6000, 5100L, 1).version()).isGreaterThan(snapshot.version());
    }

    @Test
    void shouldTellSnapshotVersionsFromStreamedOnes() {
        assertThat(SourcePosition.isSnapshotVersion(new SourcePosition(5000, null, 1L, 0, true, null).version())).isTrue();
        assertThat(SourcePosition.isSnapshotVersion(streamed(6000, 5100L, 1).version())).isFalse();
        // The first transaction after the first start: no previous commit, version from its own (lower) change LSN.
        assertThat(SourcePosition.isSnapshotVersion(streamed(4000, null, 1).version())).isFalse();
    }

    @Test
    void shouldBeAPureFunctionOfThePosition() {
        assertThat(streamed(300, 250L, 7).version()).isEqualTo(streamed(300, 250L, 7).version());
    }

    @Test
    void shouldRefuseAStreamedChangeWithoutTransactionMetadata() {
        assertThatThrownBy(() -> new SourcePosition(300, 250L, 1L, 0, false, null).version())
                .isInstanceOf(BadChangeException.class).hasMessageContaining("provide.transaction.metadata=true");
    }

    @Test
    void shouldRefuseAPositionThatDoesNotFitSixtyThreeBits() {
        assertThatThrownBy(() -> streamed(1, SourcePosition.MAX_COMMIT_POSITION, 1).version())
                .isInstanceOf(BadChangeException.class);
    }

    @Test
    void shouldSaturateTheOrderOfHugeTransactions() {
        assertThat(streamed(1, 10L, 70_000).version()).isEqualTo((10L << 16) | 0xFFFF);
    }
}
