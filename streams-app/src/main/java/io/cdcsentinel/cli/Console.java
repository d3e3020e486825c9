package io.cdcsentinel.cli;

import java.io.PrintStream;

/** The one place the CLI prints to the terminal. Library code logs; it never prints. */
public final class Console {
    private static volatile PrintStream out = System.out;
    private static volatile PrintStream err = System.err;

    private Console() {
    }

    public static void println(String line) {
        out.println(line);
        out.flush();
    }

    public static void printf(String format, Object... args) {
        out.printf(format, args);
        out.flush();
    }

    public static void error(String line) {
        err.println(line);
        err.flush();
    }

    /** Redirects output, for tests of commands. */
    public static void redirect(PrintStream newOut, PrintStream newErr) {
        out = newOut;
        err = newErr;
    }
}
