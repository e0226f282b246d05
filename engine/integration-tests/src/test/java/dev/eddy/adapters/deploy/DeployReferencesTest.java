package dev.eddy.adapters.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.http.HttpSettings;
import dev.eddy.engine.cli.EddyCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * What deploy/ runs, checked against the code that will run it, without a container engine: every Eddy command in
 * the compose file and the Kubernetes manifests is one the command line takes (its options too); every trigger
 * adapter configuration reads as the adapter reads it (each required setting set); every topic an adapter writes to
 * is created by the deployment; the ports published are those the adapter listens on; every Eddy container runs the
 * one image the deployment builds or names, never {@code :latest}; Kafka's image is the version Eddy's clients are
 * built for.
 */
class DeployReferencesTest {

    private static final Path DEPLOY = Path.of("..", "..", "deploy");
    private static final Pattern KAFKA_VERSION = Pattern.compile("<kafka.version>([^<]+)</kafka.version>");

    @Test
    void shouldRunCommandsAndConfigurationsTheComposeFileCanRun() throws IOException {
        Map<String, Object> compose = load(DEPLOY.resolve("compose.yaml"));
        Map<String, Map<String, Object>> services = maps(compose.get("services"));
        Map<String, Map<String, Object>> configs = maps(compose.get("configs"));
        Set<String> images = new HashSet<>();
        int builders = 0;
        Set<String> created = new HashSet<>();
        List<Map.Entry<String, String>> adapters = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            String image = (String) service.getValue().get("image");
            if (image.contains("apache/kafka")) {
                assertEquals(kafkaVersion(), image.substring(image.lastIndexOf(':') + 1),
                        service.getKey() + " runs another Kafka than Eddy's clients are built for");
                continue;
            }
            if (!image.contains("eddy")) {
                continue;
            }
            images.add(image);
            if (service.getValue().containsKey("build")) {
                builders++;
            } else {
                assertEquals("never", service.getValue().get("pull_policy"), service.getKey()
                        + " would pull the image the compose file builds");
            }
            List<String> command = strings(service.getValue().get("command"));
            parses(service.getKey(), command);
            created.addAll(createdTopics(command));
            if (command.get(0).equals("trigger")) {
                String target = option(command, "--config");
                String config = null;
                for (Map<String, Object> mount : maps(service.getValue().get("configs")).values()) {
                    if (target.equals(mount.get("target"))) {
                        config = (String) configs.get((String) mount.get("source")).get("content");
                    }
                }
                assertTrue(config != null, service.getKey() + " reads " + target + ", which nothing mounts");
                adapters.add(Map.entry(command.get(1), config));
                checkPorts(service.getKey(), config, strings(service.getValue().get("ports")));
            }
        }
        assertEquals(1, images.size(), "one Eddy image for every Eddy service: " + images);
        assertEquals(1, builders, "one service builds the Eddy image");
        assertFalse(images.iterator().next().endsWith(":latest"), "a versioned image, not :latest");
        assertFalse(adapters.isEmpty());
        for (Map.Entry<String, String> adapter : adapters) {
            checkAdapter(adapter.getKey(), adapter.getValue(), created);
        }
    }

    @Test
    void shouldRunCommandsAndConfigurationsTheKubernetesManifestsCanRun() throws IOException {
        Map<String, Object> kustomization = load(DEPLOY.resolve("kustomization.yaml"));
        String image = (String) ((Map<?, ?>) ((List<?>) kustomization.get("images")).get(0)).get("name");
        assertEquals("eddy", image, "kustomization.yaml names the Eddy image it rewrites");
        Set<String> created = new HashSet<>();
        Map<String, String> secretFiles = new LinkedHashMap<>();
        List<Map<String, Object>> containers = new ArrayList<>();
        for (Object resource : (List<?>) kustomization.get("resources")) {
            for (Object document : new Yaml().loadAll(Files.readString(DEPLOY.resolve((String) resource)))) {
                if (!(document instanceof Map<?, ?> object)) {
                    continue;
                }
                if ("Secret".equals(object.get("kind")) && object.get("stringData") instanceof Map<?, ?> data) {
                    data.forEach((key, value) -> secretFiles.put(String.valueOf(key), String.valueOf(value)));
                }
                containers.addAll(containers(object));
            }
        }
        List<Map.Entry<String, String>> adapters = new ArrayList<>();
        for (Map<String, Object> container : containers) {
            String containerImage = (String) container.get("image");
            if (!containerImage.startsWith("eddy")) {
                continue;
            }
            assertEquals(image, containerImage.substring(0, containerImage.indexOf(':')),
                    container.get("name") + " runs an image kustomization.yaml does not rewrite");
            assertFalse(containerImage.endsWith(":latest"), container.get("name") + " runs :latest");
            List<String> args = strings(container.get("args"));
            parses((String) container.get("name"), args);
            created.addAll(createdTopics(args));
            if (args.get(0).equals("trigger")) {
                String file = Path.of(option(args, "--config")).getFileName().toString();
                String config = secretFiles.get(file);
                assertTrue(config != null, container.get("name") + " reads " + file + ", which no Secret holds");
                List<String> ports = new ArrayList<>();
                for (Map<String, Object> port : maps(container.get("ports")).values()) {
                    ports.add(String.valueOf(port.get("containerPort")));
                }
                checkPorts((String) container.get("name"), config, ports);
                adapters.add(Map.entry(args.get(1), config));
            }
        }
        assertFalse(adapters.isEmpty());
        for (Map.Entry<String, String> adapter : adapters) {
            checkAdapter(adapter.getKey(), adapter.getValue(), created);
        }
    }

    /** The command line takes the command and its options (without running it). */
    private static void parses(String who, List<String> command) {
        try {
            EddyCli.commandLine().parseArgs(command.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(who + " runs '" + String.join(" ", command) + "', which ./eddy refuses: "
                    + e.getMessage(), e);
        }
    }

    /** The topics a {@code topics create} command makes. */
    private static List<String> createdTopics(List<String> command) {
        if (command.size() < 3 || !command.get(0).equals("topics") || !command.get(1).equals("create")) {
            return List.of();
        }
        return command.subList(2, command.size()).stream().takeWhile(arg -> !arg.startsWith("-")).toList();
    }

    /** The adapter reads its configuration (environment variables given), and the topics it writes exist. */
    private static void checkAdapter(String kind, String config, Set<String> created) {
        assertEquals("http", kind, "only the HTTP adapter is deployed; check the others' settings here too");
        Settings settings = Settings.parse(config, name -> "from-the-environment");
        settings.only("kafka", kind);
        EventPublisher.Options.read(kind, settings.section("kafka"));
        HttpSettings http = HttpSettings.read(settings.section("http"));
        Set<String> writes = new HashSet<>(http.topics());
        writes.addAll(http.functions().values());
        for (String topic : writes) {
            assertTrue(created.contains(topic), "the " + kind + " adapter writes to " + topic
                    + ", which the deployment does not create (it creates " + created + ")");
        }
    }

    /** What the adapter listens on is a port its container publishes. */
    private static void checkPorts(String who, String config, List<String> ports) {
        HttpSettings http = HttpSettings.read(Settings.parse(config, name -> "x").section("http"));
        String listen = String.valueOf(http.listen().getPort());
        assertTrue(ports.stream().anyMatch(port -> port.equals(listen) || port.endsWith(":" + listen)),
                who + " listens on " + listen + " but publishes " + ports);
    }

    private static String option(List<String> command, String name) {
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).startsWith(name + "=")) {
                return command.get(i).substring(name.length() + 1);
            }
            if (command.get(i).equals(name) && i + 1 < command.size()) {
                return command.get(i + 1);
            }
        }
        throw new AssertionError(command + " has no " + name);
    }

    private static String kafkaVersion() throws IOException {
        Matcher version = KAFKA_VERSION.matcher(Files.readString(Path.of("..", "..", "pom.xml")));
        assertTrue(version.find());
        return version.group(1);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> containers(Map<?, ?> object) {
        Object spec = object.get("spec");
        if (spec instanceof Map<?, ?> specMap && specMap.get("template") instanceof Map<?, ?> template
                && template.get("spec") instanceof Map<?, ?> pod && pod.get("containers") instanceof List<?> list) {
            return (List<Map<String, Object>>) list;
        }
        return List.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) throws IOException {
        return new Yaml().load(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> maps(Object value) {
        Map<String, Map<String, Object>> maps = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> maps.put(String.valueOf(key), (Map<String, Object>) item));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                maps.put(String.valueOf(i), (Map<String, Object>) list.get(i));
            }
        }
        return maps;
    }

    private static List<String> strings(Object value) {
        List<String> strings = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(item -> strings.add(String.valueOf(item)));
        }
        return strings;
    }
}
