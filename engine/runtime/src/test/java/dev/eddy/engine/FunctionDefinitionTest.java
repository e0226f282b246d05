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

    private static final dev.eddy.sdk.ValueState<String> LAST =
            dev.eddy.sdk.ValueState.named("last", dev.eddy.sdk.Codec.string());

    /** A handler that declares the given state. */
    private static dev.eddy.sdk.Handler declaring(dev.eddy.sdk.StateSpec... state) {
        return new dev.eddy.sdk.Handler() {
            @Override
            public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
            }

            @Override
            public List<dev.eddy.sdk.StateSpec> state() {
                return List.of(state);
            }
        };
    }

    @Test
    void shouldKeepStateInKafkaUnlessToldOtherwise() {
        FunctionDefinition function = FunctionDefinition.builder("f").input("in").handler(declaring(LAST)).build();
        assertEquals(StateBackend.kafka(), function.stateStore());
        assertEquals(List.of(LAST), function.state());
        assertEquals("eddy.state.f", function.changelogTopic());
        assertEquals("team-a.state.f", function.withNames(new dev.eddy.engine.kafka.Names("team-a")).changelogTopic());
    }

    @Test
    void shouldRefuseAnInputPatternThatMatchesItsDeadLettersUnderTheEnginesPrefix() {
        FunctionDefinition function = FunctionDefinition.builder("f").inputPattern("team-a\\..*")
                .handler((event, context) -> { }).build(); // eddy.dlq.f does not match
        InvalidFunctionException refused = assertThrows(InvalidFunctionException.class,
                () -> function.withNames(new dev.eddy.engine.kafka.Names("team-a")));
        assertEquals("inputPattern", refused.field());
        assertTrue(refused.getMessage().contains("'team-a.dlq.f'"), refused.getMessage());
    }

    @Test
    void shouldRefuseStateTheDispatcherCannotKeepExact() {
        InvalidFunctionException unordered = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").ordering(Ordering.UNORDERED)
                        .handler(declaring(LAST)).build());
        assertEquals("ordering", unordered.field());
        assertTrue(unordered.getMessage().contains("[last]"), unordered.getMessage());

        InvalidFunctionException twoInputs = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("a").input("b").handler(declaring(LAST)).build());
        assertEquals("inputs", twoInputs.field());
        assertTrue(twoInputs.getMessage().contains("redis or postgres"), twoInputs.getMessage());
        FunctionDefinition.builder("f").input("a").input("b").stateStore(StateBackend.redis("redis://h:1"))
                .handler(declaring(LAST)).build();

        InvalidFunctionException exactlyOnce = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").delivery(Delivery.EXACTLY_ONCE)
                        .stateStore(StateBackend.postgres("jdbc:postgresql://h/db")).handler(declaring(LAST))
                        .build());
        assertEquals("state.store", exactlyOnce.field());
        assertTrue(exactlyOnce.getMessage().contains("AT_LEAST_ONCE"), exactlyOnce.getMessage());

        InvalidFunctionException twice = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").handler(declaring(LAST, LAST)).build());
        assertEquals("state", twice.field());
    }

    @Test
    void shouldNameTheStoreAndItsUrlAsManifestsGiveThem() {
        assertEquals(StateBackend.kafka(), StateBackend.of(null, null));
        assertEquals(StateBackend.redis("redis://127.0.0.1:6379"), StateBackend.of("Redis", "redis://127.0.0.1:6379"));
        assertEquals("postgres (jdbc:postgresql://h/db?user=u&password=***)",
                StateBackend.of("postgres", "jdbc:postgresql://h/db?user=u&password=secret").toString());
        assertEquals("redis (redis://u:***@h:1)", StateBackend.redis("redis://u:pw@h:1").toString());
        InvalidFunctionException kind = assertThrows(InvalidFunctionException.class,
                () -> StateBackend.of("memcached", null));
        assertEquals("state.store", kind.field());
        assertTrue(kind.getMessage().contains("kafka, redis, postgres"), kind.getMessage());
        InvalidFunctionException url = assertThrows(InvalidFunctionException.class,
                () -> StateBackend.of("redis", "http://h"));
        assertEquals("state.url", url.field());
    }

    @Test
    void shouldScaleToZeroOnlyNamedInputsAfterAnIdleTimeItCanKeep() {
        FunctionDefinition sleepy = FunctionDefinition.builder("f").input("in").handler((e, c) -> { })
                .scaleToZero(java.time.Duration.ofSeconds(30)).build();
        assertEquals(0, sleepy.scalingMin());
        assertEquals(java.time.Duration.ofSeconds(30), sleepy.idleAfter());
        assertEquals(1, FunctionDefinition.builder("f").input("in").handler((e, c) -> { }).build().scalingMin());

        InvalidFunctionException pattern = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").inputPattern("in-.*").handler((e, c) -> { })
                        .scaleToZero(java.time.Duration.ofSeconds(30)).build());
        assertTrue(pattern.getMessage().contains("scaling.min") && pattern.getMessage().contains("pattern"),
                pattern.getMessage());
        InvalidFunctionException tooShort = assertThrows(InvalidFunctionException.class,
                () -> FunctionDefinition.builder("f").input("in").handler((e, c) -> { })
                        .scaleToZero(java.time.Duration.ofMillis(10)).build());
        assertTrue(tooShort.getMessage().contains("scaling.idleAfter"), tooShort.getMessage());
    }
}
