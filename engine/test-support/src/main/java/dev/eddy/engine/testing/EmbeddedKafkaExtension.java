package dev.eddy.engine.testing;

import dev.eddy.engine.local.EmbeddedKafka;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test a real Kafka broker: one embedded KRaft broker per test JVM (it takes seconds to start), shared by
 * every test class that uses this extension and stopped when the JVM's tests are done. Tests ask for a
 * {@link TestKafka} parameter and create their own fresh topics through it.
 */
public final class EmbeddedKafkaExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(TestKafka.class, key -> new TestKafka(EmbeddedKafka.startTemporary()),
                        TestKafka.class);
    }
}
