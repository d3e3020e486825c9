package io.cdcsentinel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build check: the published schemas of this build ({@code src/main/avro/*.avsc}) are BACKWARD compatible with
 * every release kept in {@code released/<version>/}. A breaking edit fails {@code mvn test} (and so {@code verify})
 * here, with the file and the incompatibility. The other tests feed deliberate changes of the 0.1.0 schemas to the
 * same checker.
 */
class ReleasedSchemasCompatibilityTest {
    private static final String LABEL = "ConversationLabel.avsc";

    @Test
    void shouldReadRecordsOfEveryReleasedSchemaWithTheSchemasOfThisBuild() {
        List<Path> releases = BackwardCompatibility.releaseDirs(PublishedSchemas.releases());
        assertThat(releases).as("released schemas under %s", PublishedSchemas.releases()).isNotEmpty();
        for (Path release : releases) {
            assertThat(PublishedSchemas.load(release)).as("published schemas of %s", release).isNotEmpty();
        }
        assertThat(BackwardCompatibility.check(PublishedSchemas.sources(), PublishedSchemas.releases()))
                .as("schemas/src/main/avro must stay BACKWARD compatible with schemas/released/*"
                        + " (README 'Schemas': how to change a published schema)")
                .isEmpty();
    }

    @Test
    void shouldKeepEveryReleasedSchemaInTheSources() {
        for (Path release : BackwardCompatibility.releaseDirs(PublishedSchemas.releases())) {
            assertThat(PublishedSchemas.load(PublishedSchemas.sources()).keySet())
                    .containsAll(PublishedSchemas.load(release).keySet());
        }
    }

    @Test
    void shouldRefuseANewFieldWithoutDefault(@TempDir Path tmp) throws IOException {
        Path released = copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        edit(sources.resolve(LABEL), "{\"name\": \"source_ts_ms\"",
                "{\"name\": \"channel\", \"type\": \"string\"},\n    {\"name\": \"source_ts_ms\"");

        List<String> problems = BackwardCompatibility.check(sources, tmp.resolve("released"));

        assertThat(problems).singleElement().asString()
                .contains(sources.resolve(LABEL).toString()).contains(released.resolve(LABEL).toString())
                .contains("not BACKWARD compatible").contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("channel");
    }

    @Test
    void shouldRefuseARemovedEnumSymbolWithoutDefault(@TempDir Path tmp) throws IOException {
        copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        setLabelKind(sources, "[\"FINAL\", \"CORRECTION\"]", null);

        List<String> problems = BackwardCompatibility.check(sources, tmp.resolve("released"));

        assertThat(problems).singleElement().asString().contains(LABEL).contains("MISSING_ENUM_SYMBOLS").contains("DELETE")
                .contains("/fields/3/type/symbols");
    }

    @Test
    void shouldRefuseARenamedRecord(@TempDir Path tmp) throws IOException {
        copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        edit(sources.resolve("ConversationLabelKey.avsc"), "\"name\": \"ConversationLabelKey\"", "\"name\": \"LabelKey\"");
        edit(sources.resolve(LABEL), "\"name\": \"ConversationLabel\"", "\"name\": \"Label\"");

        assertThat(BackwardCompatibility.check(sources, tmp.resolve("released"))).hasSize(2)
                .allSatisfy(problem -> assertThat(problem).contains("NAME_MISMATCH"));
    }

    @Test
    void shouldRefuseAPublishedSchemaThatIsGone(@TempDir Path tmp) throws IOException {
        Path released = copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        Files.delete(sources.resolve("ScorecardGapEvent.avsc"));

        assertThat(BackwardCompatibility.check(sources, tmp.resolve("released"))).singleElement().asString()
                .contains(released.resolve("ScorecardGapEvent.avsc").toString()).contains("is gone");
    }

    @Test
    void shouldCheckEveryReleaseNotOnlyTheLatest(@TempDir Path tmp) throws IOException {
        copyOfRelease(tmp.resolve("released/0.1.0"));
        Path later = copyOfRelease(tmp.resolve("released/0.2.0"));
        edit(later.resolve(LABEL), "{\"name\": \"source_ts_ms\"",
                "{\"name\": \"channel\", \"type\": \"string\", \"default\": \"chat\"},\n    {\"name\": \"source_ts_ms\"");
        Path sources = copyOfRelease(tmp.resolve("avro"));
        Files.copy(later.resolve(LABEL), sources.resolve(LABEL), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // 0.2.0 added the field with a default; this build drops the default. 0.2.0's records carry the field (readable),
        // 0.1.0's do not, and the reader has no default for it: only a check against every release sees that.
        edit(sources.resolve(LABEL), ", \"default\": \"chat\"", "");

        assertThat(BackwardCompatibility.check(sources, tmp.resolve("released"))).singleElement().asString()
                .contains("released/0.1.0/" + LABEL).contains("channel");
    }

    @Test
    void shouldAcceptCompatibleChanges(@TempDir Path tmp) throws IOException {
        copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        // a new optional field, a new field with a default, a new enum symbol, a changed doc, a removed field
        edit(sources.resolve(LABEL), "{\"name\": \"source_ts_ms\"",
                "{\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null},\n"
                        + "    {\"name\": \"priority\", \"type\": \"int\", \"default\": 0},\n    {\"name\": \"source_ts_ms\"");
        setLabelKind(sources, "[\"FINAL\", \"CORRECTION\", \"DELETE\", \"REOPENED\"]", "CORRECTION");
        edit(sources.resolve("GapRateKey.avsc"), "\"doc\": \"Key of", "\"doc\": \"The key of");
        edit(sources.resolve("ScorecardGapEvent.avsc"),
                "    {\"name\": \"source_ts_ms\", \"type\": [\"null\", \"long\"], \"default\": null, \"doc\": \"commit time (ms) of that change\"}",
                "");
        edit(sources.resolve("ScorecardGapEvent.avsc"), "seen when deciding\"},", "seen when deciding\"}");

        assertThat(BackwardCompatibility.check(sources, tmp.resolve("released"))).isEmpty();
    }

    @Test
    void shouldAcceptARemovedEnumSymbolWhenTheEnumHasADefault(@TempDir Path tmp) throws IOException {
        copyOfRelease(tmp.resolve("released/0.1.0"));
        Path sources = copyOfRelease(tmp.resolve("avro"));
        setLabelKind(sources, "[\"FINAL\", \"CORRECTION\"]", "CORRECTION");

        assertThat(BackwardCompatibility.check(sources, tmp.resolve("released"))).isEmpty();
    }

    /** Replaces the enum LabelKind of ConversationLabel.avsc, whatever its symbols and default are now. */
    private static void setLabelKind(Path sources, String symbols, String defaultSymbol) throws IOException {
        Path file = sources.resolve(LABEL);
        String text = Files.readString(file);
        String replaced = text.replaceFirst("\\{\"type\": \"enum\", \"name\": \"LabelKind\"[^}]*}",
                "{\"type\": \"enum\", \"name\": \"LabelKind\", \"symbols\": " + symbols
                        + (defaultSymbol == null ? "" : ", \"default\": \"" + defaultSymbol + "\"") + "}");
        assertThat(replaced).as("LabelKind in %s", file).isNotEqualTo(text);
        Files.writeString(file, replaced);
    }

    /**
     * A copy of the schemas released in 0.1.0 (not of the sources: these tests show what the checker does with
     * one change, whatever state the sources are in).
     */
    private static Path copyOfRelease(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(PublishedSchemas.releases().resolve("0.1.0"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".avsc")).toList()) {
                Files.copy(file, dir.resolve(file.getFileName().toString()));
            }
        }
        return dir;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as("%s must contain %s", file, from).contains(from);
        Files.writeString(file, text.replace(from, to));
    }
}
