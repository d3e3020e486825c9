package io.cdcsentinel.testing;

import io.cdcsentinel.cli.Main;
import io.cdcsentinel.config.ConfigSource;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A {@code bin/sentinel} command as its own JVM on the production classpath alone ({@code streams-app/target/classes}
 * + {@code streams-app/target/lib/*}, as the image has it), for tests that kill it, restart it or read its HTTP port.
 */
public final class SentinelProcess {
    private SentinelProcess() {
    }

    /** Writes {@code config} as a properties file for {@code --config}. */
    public static Path writeConfig(ConfigSource config, Path file, String comment) throws IOException {
        Properties props = new Properties();
        props.putAll(config.withPrefix(""));
        Files.createDirectories(file.getParent());
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, comment);
        }
        return file;
    }

    /** {@code java -Xmx512m -cp <production classpath> io.cdcsentinel.cli.Main <args>}, output to {@code log}. */
    public static ProcessBuilder builder(Path log, String... args) {
        String classpath = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                + File.pathSeparator + Path.of(System.getProperty("sentinel.lib.dir", "target/lib")).toAbsolutePath() + "/*";
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    }
}
