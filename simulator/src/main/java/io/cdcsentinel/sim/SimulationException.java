package io.cdcsentinel.sim;

/** The simulation could not write its plan (database error, a row that already exists, a broken invariant). */
public final class SimulationException extends RuntimeException {
    public SimulationException(String message, Throwable cause) {
        super(message, cause);
    }
}
