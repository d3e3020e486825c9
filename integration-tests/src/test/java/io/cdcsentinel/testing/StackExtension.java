package io.cdcsentinel.testing;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit 5 access to the local stack: {@code @ExtendWith(StackExtension.class)}, then declare a
 * {@link StackFixture} parameter on a test, {@code @BeforeAll}, {@code @BeforeEach} method or constructor.
 * Every method of one test class gets the same fixture; it is closed (databases dropped, private stacks
 * stopped) after the class. When a test or a lifecycle method fails, the server logs are copied to
 * {@code target/it-logs/<TestClass>/}.
 */
public final class StackExtension implements ParameterResolver, TestWatcher, LifecycleMethodExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackExtension.class);
    private static final String FIXTURE = "fixture";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == StackFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ExtensionContext classContext = classContext(extensionContext);
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(FIXTURE,
                key -> StackFixture.forClass(classContext.getRequiredTestClass()), StackFixture.class);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        copyLogs(context);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        copyLogs(context);
        throw throwable;
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        copyLogs(context);
        throw throwable;
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        copyLogs(context);
        throw throwable;
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        copyLogs(context);
        throw throwable;
    }

    private static void copyLogs(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        Path into = TestStack.targetDir().resolve("it-logs").resolve(classContext.getRequiredTestClass().getSimpleName());
        Optional.ofNullable(classContext.getStore(NAMESPACE).get(FIXTURE, StackFixture.class))
                .ifPresentOrElse(fixture -> fixture.copyLogs(into), () -> TestStack.copyLogs(TestStack.sharedDir(), into));
    }

    /** The context of the test class (the fixture lives there, not in a method's context). */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
