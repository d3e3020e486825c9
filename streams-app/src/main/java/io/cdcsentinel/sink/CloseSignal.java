package io.cdcsentinel.sink;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The sink's close request, as every wait of the sink sees it: a backoff or a poll for a server-side state ends
 * at once when {@link ClickHouseSink#close()} is called, with {@link SinkClosedException} (whatever is not written
 * then is not committed, and is read again on the next start).
 */
final class CloseSignal {
    private final CountDownLatch requested = new CountDownLatch(1);

    void request() {
        requested.countDown();
    }

    boolean requested() {
        return requested.getCount() == 0;
    }

    /** Waits {@code wait}, unless close is requested before or meanwhile (or the thread is interrupted). */
    void pause(Duration wait) {
        try {
            if (requested.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SinkClosedException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkClosedException();
        }
    }
}
