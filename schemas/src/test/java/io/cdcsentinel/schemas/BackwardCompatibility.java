package io.cdcsentinel.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The registry's rule, BACKWARD, checked at build time: a consumer with the schema of this build (the reader)
 * must read every record written with a released schema (the writer). Checked against every release kept under
 * {@code released/<version>/}, not only the latest, because a registry may hold any of them as the latest version
 * of a subject (a deployment that skipped a release). A published schema of a release that is missing from the
 * sources is a break too: its subject's consumers would lose their schema.
 */
final class BackwardCompatibility {
    private BackwardCompatibility() {
    }

    /** One line per incompatibility, naming the files; empty when every release can be read. */
    static List<String> check(Path sources, Path releases) {
        Map<String, Schema> current = PublishedSchemas.load(sources);
        List<String> problems = new ArrayList<>();
        for (Path release : releaseDirs(releases)) {
            problems.addAll(check(current, sources, PublishedSchemas.load(release), release));
        }
        return problems;
    }

    static List<String> check(Map<String, Schema> current, Path sources, Map<String, Schema> released, Path release) {
        List<String> problems = new ArrayList<>();
        released.forEach((file, writer) -> {
            Schema reader = current.get(file);
            if (reader == null) {
                problems.add(release.resolve(file) + " was released, but " + sources.resolve(file)
                        + " is gone: a published schema must stay (its subject's consumers and records keep using it)");
                return;
            }
            var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
            if (result.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
                StringBuilder line = new StringBuilder().append(sources.resolve(file))
                        .append(" is not BACKWARD compatible with ").append(release.resolve(file))
                        .append(" (a reader with the new schema cannot read records written with the released one):");
                for (Incompatibility incompatibility : result.getIncompatibilities()) {
                    line.append("\n    ").append(incompatibility.getType()).append(" at ").append(incompatibility.getLocation())
                            .append(": ").append(incompatibility.getMessage());
                }
                problems.add(line.toString());
            }
        });
        return problems;
    }

    static List<Path> releaseDirs(Path releases) {
        if (!Files.isDirectory(releases)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(releases)) {
            return list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + releases, e);
        }
    }
}
