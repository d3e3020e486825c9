package io.cdcsentinel.cdc;

/** Debezium's {@code op} codes. */
public enum Op {
    CREATE("c"), READ("r"), UPDATE("u"), DELETE("d"), TRUNCATE("t"), MESSAGE("m");

    private final String code;

    Op(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** @throws BadChangeException for anything that is not one of Debezium's codes */
    public static Op fromCode(String code) {
        if (code != null) {
            for (Op op : values()) {
                if (op.code.equals(code)) {
                    return op;
                }
            }
        }
        throw new BadChangeException("unknown op '" + code + "' (expected one of c, r, u, d, t, m)");
    }
}
