package io.cdcsentinel.verify;

/** A live row of {@code conversation_labels FINAL} (is_deleted = 0), with the version ClickHouse kept. */
public record FoundLabel(LabelRow row, long version) {
}
