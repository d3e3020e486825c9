package io.cdcsentinel.verify;

/**
 * The order both sides of the label merge are sorted in: PostgreSQL with {@code COLLATE "C"} and ClickHouse compare
 * strings as UTF-8 bytes, which is code point order. {@link String#compareTo} compares UTF-16 units and disagrees
 * with it for characters above U+FFFF against U+E000..U+FFFF; a merge on a different order than the inputs' would
 * report matching rows as missing and extra.
 */
final class KeyOrder {
    private KeyOrder() {
    }

    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static int compare(LabelRow a, LabelRow b) {
        int c = compare(a.customerId(), b.customerId());
        if (c != 0) {
            return c;
        }
        c = compare(a.profileId(), b.profileId());
        return c != 0 ? c : compare(a.conversationId(), b.conversationId());
    }
}
