package dev.eddy.adapters.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttRouteTest {

    private static MqttRoute route(String yaml) {
        return MqttRoute.read(Settings.parse(yaml, name -> null));
    }

    @Test
    void shouldNameTheLevelsOfATemplateAndFillTopicAndKeyFromThem() {
        MqttRoute route = route("filter: sensors/{device}/{quantity}\ntopic: iot.{quantity}\n");
        assertEquals("sensors/+/+", route.filter());
        assertEquals(Map.of("device", "d-7", "quantity", "temp"), route.match("sensors/d-7/temp"));
        assertNull(route.match("sensors/d-7"));
        assertNull(route.match("sensors/d-7/temp/extra"));
        assertNull(route.match("other/d-7/temp"));
        assertEquals("{device}", route.key(), "the device is the key when the filter names one");
        assertEquals("iot.temp", MqttRoute.fill(route.topic(), route.match("sensors/d-7/temp"), "sensors/d-7/temp"));
        assertTrue(route.topicVaries());
    }

    @Test
    void shouldMatchMqttWildcardsAndKeyByTheTopicWithoutADevice() {
        MqttRoute route = route("filter: plant/+/line/#\ntopic: plant.events\n");
        assertEquals("plant/+/line/#", route.filter());
        assertEquals(Map.of(), route.match("plant/a/line"));
        assertEquals(Map.of(), route.match("plant/a/line/3/motor"));
        assertNull(route.match("plant/a/belt/3"));
        assertEquals("{topic}", route.key());
        assertEquals("plant/a/line/3", MqttRoute.fill(route.key(), Map.of(), "plant/a/line/3"));
        assertFalse(route.topicVaries());
        assertEquals(Map.of(), route("filter: '#'\ntopic: all\n").match("any/thing"));
    }

    @Test
    void shouldTakeTemplateCharactersInATopicLevelAsThemselves() {
        MqttRoute route = route("filter: a.b/{x}\ntopic: t\n");
        assertNull(route.match("aXb/1"), "'.' is not a pattern");
        assertEquals(Map.of("x", "1"), route.match("a.b/1"));
    }

    @Test
    void shouldRefuseBadFiltersTopicsAndKeysSayingWhatIsValid() {
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a/#/b\ntopic: t\n")).getMessage()
                .contains("'#' only as its last level"));
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a/x+\ntopic: t\n")).getMessage()
                .contains("words, {name}, + or a last #"));
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a/{d}/{d}\ntopic: t\n")).getMessage()
                .contains("{d} is used twice"));
        AdapterException topic = assertThrows(AdapterException.class, () -> route("filter: a/{d}\ntopic: 'a b'\n"));
        assertEquals("'topic' is 'a b': it must be a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'",
                topic.getMessage());
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a/{d}\ntopic: t\nkey: '{device}'\n"))
                .getMessage().contains("the filter's names [d] and {topic}"));
        assertEquals("'filter' is missing: give an MQTT topic filter such as sensors/{device}/{quantity}",
                assertThrows(AdapterException.class, () -> route("topic: t\n")).getMessage());
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a\ntopic: t\npayload: xml\n"))
                .getMessage().contains("one of json, raw"));
        assertTrue(assertThrows(AdapterException.class, () -> route("filter: a\ntopic: t\nqos: 2\n"))
                .getMessage().contains("'qos' is not a setting here"));
    }
}
