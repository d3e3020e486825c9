package io.cdcsentinel.registry;

/** The registry refused a new version of a subject: its rule (BACKWARD) says the schema is not compatible. */
public final class IncompatibleSchemaException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    private final String subject;

    public IncompatibleSchemaException(String subject, String registryMessage) {
        super(registryMessage);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
