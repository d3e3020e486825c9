package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the one the code validates; regenerate it with {@code bin/sentinel config --markdown}. */
class ReadmeConfigReferenceTest {
    private static String readme() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        Path readme = Files.exists(here.resolve("README.md")) && Files.exists(here.resolve("streams-app"))
                ? here.resolve("README.md") : here.getParent().resolve("README.md");
        return Files.readString(readme);
    }

    @Test
    void shouldDocumentEveryConfigurationKeyExactlyAsTheCodeDefinesIt() throws IOException {
        assertThat(readme())
                .as("README.md configuration reference is stale: paste the output of 'bin/sentinel config --markdown'")
                .contains(ConfigReference.markdown().strip());
    }

    @Test
    void shouldDocumentEveryPassThroughPrefix() throws IOException {
        String readme = readme();
        for (String prefix : ConfigReference.PASS_THROUGH_PREFIXES) {
            assertThat(readme).contains("`" + prefix);
        }
    }
}
