package io.cdcsentinel.sink;

/** Close was requested while the sink waited (a backoff, a running INSERT); not a failure. */
final class SinkClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkClosedException() {
        super("sink closed", null, false, false);
    }
}
