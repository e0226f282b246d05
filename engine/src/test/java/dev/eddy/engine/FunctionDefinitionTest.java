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

    @Test
    void shouldRefuseKeyedStateUntilTheEngineHasAStore() {
        dev.eddy.sdk.ValueState<String> last = dev.eddy.sdk.ValueState.named("last", dev.eddy.sdk.Codec.string());
        dev.eddy.sdk.Handler stateful = new dev.eddy.sdk.Handler() {
            @Override
            public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
            }

            @Override
            public List<dev.eddy.sdk.StateSpec> state() {
                return List.of(last);
            }
        };
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").handler(stateful).build());
        assertEquals("state", error.field());
        assertTrue(error.getMessage().contains("[last]") && error.getMessage().contains("state store"),
                error.getMessage());
    }
}
