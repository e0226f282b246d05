package dev.eddy.adapters.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The functions {@code docs/triggers.md} shows are the ones {@link TriggerExamplesIT} runs. */
class TriggerDocsTest {

    @Test
    void shouldShowTheFunctionsThatAreTested() {
        for (Class<?> function : new Class<?>[] {ErrorLines.class, OrderEvents.class, Report.class}) {
            assertEquals(TriggerExamples.source(function), TriggerExamples.function(function.getSimpleName()),
                    "docs/triggers.md must show " + function.getSimpleName() + " as it is in its source");
        }
    }
}
