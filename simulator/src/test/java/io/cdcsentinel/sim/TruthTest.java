package io.cdcsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruthTest {

    @Test
    void shouldReadBackWhatTheRecorderWrote(@TempDir Path dir) throws IOException {
        WorkloadSpec spec = WorkloadSpec.builder().seed(17).count(200).build();
        Path file = dir.resolve("truth.jsonl");
        Workload workload = new Workload(spec);
        Truth.Expectations expected;
        try (TruthRecorder recorder = new TruthRecorder(file, spec)) {
            while (workload.peekStart() != null) {
                recorder.record(workload.next());
            }
            recorder.complete(workload.generated(), new Counts().snapshot());
            expected = recorder.expectations();
        }
        Truth truth = Truth.read(file);
        assertThat(truth.seed()).isEqualTo(17);
        assertThat(truth.expected()).isEqualTo(expected);
        assertThat(truth.gaps()).hasSize((int) truth.expected().openGaps()).isNotEmpty();
        assertThat(truth.labels()).hasSize((int) truth.expected().labels()).isNotEmpty();
        assertThat(truth.changesAfterEnd().keySet())
                .isEqualTo(truth.labels().stream().map(Truth.Label::key).collect(java.util.stream.Collectors.toSet()));
        assertThat(truth.changesAfterEnd().values()).contains(0).anyMatch(n -> n > 0);
        assertThat(truth.buckets().stream().filter(b -> b.bucketSize().equals("DAY"))
                .mapToLong(b -> b.submittedMissing() + b.unsubmittedMissing()).sum())
                .isEqualTo(truth.expected().openGaps());
        assertThat(truth.counts()).containsEntry("transactions", 0L);
    }

    @Test
    void shouldRejectAFileWithoutItsSummaryLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("partial.jsonl");
        Files.writeString(file, "{\"type\":\"run\",\"seed\":1}\n");
        assertThatThrownBy(() -> Truth.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("did not complete");
    }
}
