package dev.eddy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionDefinitionTest {

    @Test
    void shouldNameTheFieldTheValueAndWhatIsValid() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("Bad Name").input("in").handler((e, c) -> { }).build());
        assertEquals("name", error.field());
        assertTrue(error.getMessage().contains("'Bad Name'"), error.getMessage());
        assertTrue(error.getMessage().contains("lowercase letters"), error.getMessage());
    }

    @Test
    void shouldRequireAnInput() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").handler((e, c) -> { }).build());
        assertEquals("inputs", error.field());
    }

    @Test
    void shouldRejectAnOutputThatFeedsTheInput() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("t").output("t").handler((e, c) -> { }).build());
        assertEquals("outputs.default", error.field());
    }

    @Test
    void shouldRejectAnInvalidTopicName() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").output("alerts", "bad topic!")
                        .handler((e, c) -> { }).build());
        assertEquals("outputs.alerts", error.field());
        assertTrue(error.getMessage().contains("'bad topic!'"), error.getMessage());
    }

    @Test
    void shouldKeepInputsAndOutputsInOrder() {
        FunctionDefinition function = FunctionDefinition.builder("f").input("a").input("b")
                .output("out").output("alerts", "al").handler((e, c) -> { }).build();
        assertEquals(List.of("a", "b"), function.inputs());
        assertEquals(List.of("default", "alerts"), List.copyOf(function.outputs().keySet()));
        assertEquals("eddy-f", function.groupId());
    }
}
