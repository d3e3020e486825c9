package io.cdcsentinel.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/**
 * The published schemas of one directory: every {@code *.avsc} directly in it (not in sub-directories:
 * {@code internal/} holds the state-store and internal-topic schemas, which never reach the registry), by file
 * name. The files are parsed together, as the Avro Maven plugin does, so that one may use a type another
 * defines ({@code GapRate} uses {@code BucketSize} of {@code GapRateKey}).
 */
final class PublishedSchemas {
    private PublishedSchemas() {
    }

    /** The main avro directory of this module, {@code src/main/avro}. */
    static Path sources() {
        return moduleDir().resolve("src/main/avro");
    }

    /** {@code released/}: one directory per released version, each holding that release's published schemas. */
    static Path releases() {
        return moduleDir().resolve("released");
    }

    static Path moduleDir() {
        Path here = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        return Files.isDirectory(here.resolve("src/main/avro")) ? here : here.resolve("schemas");
    }

    /** File name -> the schema the file defines. */
    static Map<String, Schema> load(Path dir) {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".avsc")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        SchemaParser parser = new SchemaParser();
        List<SchemaParser.ParseResult> parsed = new ArrayList<>();
        for (Path file : files) {
            try {
                parsed.add(parser.parse(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": not a valid Avro schema: " + e.getMessage(), e);
            }
        }
        Map<String, Schema> schemas = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            try {
                schemas.put(files.get(i).getFileName().toString(), parser.resolve(parsed.get(i)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(files.get(i) + ": " + e.getMessage(), e);
            }
        }
        return schemas;
    }
}
