package io.cdcsentinel.backfill;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of one phase (records read of the end offsets, rows scanned): a progress bar with rate and ETA on a terminal
 * (me.tongfei:progressbar), a log line every 10 s otherwise (a pipe, a container's log), so that a backfill in a CI job
 * or a pod does not fill its log with carriage returns.
 */
interface ReplayProgress extends AutoCloseable {

    void update(long done, long total, String message);

    @Override
    void close();

    static ReplayProgress create(String task, PrintStream terminal) {
        return terminal != null ? new Bar(task, terminal) : new Log(task);
    }

    /** The terminal's bar. */
    final class Bar implements ReplayProgress {
        private final ProgressBar bar;

        Bar(String task, PrintStream terminal) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(-1).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" records", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal)).build();
        }

        @Override
        public void update(long done, long total, String message) {
            bar.maxHint(total);
            bar.stepTo(Math.min(done, total));
            bar.setExtraMessage(message);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** Log lines, at most one per 10 s, and one per phase once everything is read. */
    final class Log implements ReplayProgress {
        private static final Logger LOG = LoggerFactory.getLogger(ReplayProgress.class);
        private final String task;
        private final long started = System.nanoTime();
        private long lastLog;
        private String lastMessage;

        Log(String task) {
            this.task = task;
        }

        @Override
        public void update(long done, long total, String message) {
            long now = System.nanoTime();
            // at most every 10 s; once everything is read, also whenever the phase changes (draining, the last timers)
            if (now - lastLog < Duration.ofSeconds(10).toNanos() && (done < total || message.equals(lastMessage))) {
                return;
            }
            lastLog = now;
            lastMessage = message;
            double seconds = Math.max(1e-3, (now - started) / 1e9);
            double rate = done / seconds;
            long eta = rate > 0 && total > done ? (long) ((total - done) / rate) : 0;
            LOG.info(String.format(Locale.ROOT, "%s: %,d / %,d records (%.0f%%), %,.0f records/s, ETA %ds %s", task, done, total,
                    total == 0 ? 100.0 : 100.0 * done / total, rate, eta, message));
        }

        @Override
        public void close() {
        }
    }
}
