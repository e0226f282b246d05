package dev.eddy.engine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.eddy.engine.EngineConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/ as kubectl and kustomize would take it: every object of the Kubernetes manifests parses into the typed
 * Kubernetes model (fabric8), and what refers to what resolves — Services and PodDisruptionBudgets select pods of
 * a workload, ports and probes name container ports, volumes and environment name ConfigMaps and Secrets (and
 * their keys) that exist, files an engine is pointed at are mounted, KEDA scales a workload that exists; the
 * engine settings in the ConfigMap are ones the engine takes; the compose file's services and Prometheus' targets
 * exist.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("..", "..", "deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final List<HasMetadata> objects = new ArrayList<>();
    private static final Map<String, Map<String, String>> configMaps = new HashMap<>();
    private static final Map<String, Map<String, String>> secrets = new HashMap<>();

    @BeforeAll
    static void parse() throws IOException {
        JsonNode kustomization = YAML.readTree(DEPLOY.resolve("kustomization.yaml").toFile());
        KubernetesSerialization kubernetes = new KubernetesSerialization();
        for (JsonNode resource : kustomization.get("resources")) {
            Path file = DEPLOY.resolve(resource.asText());
            assertTrue(Files.exists(file), "kustomization.yaml lists " + file + ", which does not exist");
            for (String document : Files.readString(file).split("(?m)^---$")) {
                if (!document.lines().allMatch(line -> line.isBlank() || line.trim().startsWith("#"))) {
                    objects.add(kubernetes.unmarshal(document));
                }
            }
        }
        for (JsonNode generator : kustomization.get("configMapGenerator")) {
            Map<String, String> data = new HashMap<>();
            for (JsonNode file : generator.get("files")) {
                Path path = DEPLOY.resolve(file.asText());
                assertTrue(Files.exists(path), "configMapGenerator takes " + path + ", which does not exist");
                data.put(path.getFileName().toString(), Files.readString(path));
            }
            configMaps.put(generator.get("name").asText(), data);
        }
        for (HasMetadata object : objects) {
            if (object instanceof ConfigMap map) {
                configMaps.put(map.getMetadata().getName(), map.getData());
            } else if (object instanceof Secret secret) {
                secrets.put(secret.getMetadata().getName(), secret.getStringData());
            }
        }
    }

    @Test
    void shouldParseEveryObjectIntoItsTypedModel() {
        assertTrue(objects.size() >= 15, "objects: " + objects.size());
        List<String> untyped = objects.stream().filter(o -> o instanceof GenericKubernetesResource)
                .map(o -> o.getKind()).filter(kind -> !kind.equals("ScaledObject")).toList();
        assertEquals(List.of(), untyped, "objects the Kubernetes model does not know (a typo in kind or apiVersion?)");
        Set<String> kinds = objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of("StatefulSet", "Deployment", "Service", "PodDisruptionBudget",
                "ConfigMap", "Secret", "ScaledObject")), kinds.toString());
    }

    @Test
    void shouldSelectPodsThatExistWithPortsTheyHave() {
        for (Service service : all(Service.class)) {
            PodTemplateSpec pods = podsSelectedBy(service.getSpec().getSelector(), "Service " + name(service));
            Set<String> ports = containerPorts(pods);
            for (ServicePort port : service.getSpec().getPorts()) {
                assertTrue(ports.contains(port.getTargetPort().getStrVal()), "Service " + name(service)
                        + " targets port '" + port.getTargetPort().getStrVal() + "'; its pods have " + ports);
            }
        }
        for (PodDisruptionBudget budget : all(PodDisruptionBudget.class)) {
            podsSelectedBy(budget.getSpec().getSelector().getMatchLabels(), "PodDisruptionBudget " + name(budget));
        }
        for (StatefulSet set : all(StatefulSet.class)) {
            Service governing = all(Service.class).stream()
                    .filter(s -> name(s).equals(set.getSpec().getServiceName())).findFirst()
                    .orElseThrow(() -> new AssertionError("StatefulSet " + name(set) + " names Service "
                            + set.getSpec().getServiceName() + ", which does not exist"));
            assertEquals("None", governing.getSpec().getClusterIP(), "a StatefulSet's Service is headless");
            assertEquals(set.getSpec().getSelector().getMatchLabels(), set.getSpec().getTemplate().getMetadata()
                    .getLabels(), "StatefulSet " + name(set) + " selects its own pods");
        }
        for (Deployment deployment : all(Deployment.class)) {
            assertEquals(deployment.getSpec().getSelector().getMatchLabels(), deployment.getSpec().getTemplate()
                    .getMetadata().getLabels(), "Deployment " + name(deployment) + " selects its own pods");
        }
    }

    @Test
    void shouldProbeEddysHealthEndpointsOnPortsTheContainersHave() {
        List<Container> eddy = containers().stream().filter(c -> c.getImage().startsWith("eddy")).toList();
        assertEquals(2, eddy.size(), "the engine and the HTTP adapter");
        for (Container container : eddy) {
            Set<String> ports = container.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
            for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe())) {
                assertTrue(ports.contains(probe.getHttpGet().getPort().getStrVal()), container.getName());
            }
            assertEquals("/health/live", container.getLivenessProbe().getHttpGet().getPath());
            assertEquals("/health/ready", container.getReadinessProbe().getHttpGet().getPath());
            assertTrue(container.getArgs().contains("--metrics-host=0.0.0.0"), "metrics reachable from the kubelet");
        }
    }

    @Test
    void shouldMountAndReferOnlyToConfigMapsSecretsAndKeysThatExist() {
        for (PodTemplateSpec pods : podTemplates()) {
            for (Volume volume : pods.getSpec().getVolumes()) {
                if (volume.getConfigMap() != null) {
                    assertKeys("ConfigMap", configMaps, volume.getConfigMap().getName(), volume.getConfigMap()
                            .getItems() == null ? List.of() : volume.getConfigMap().getItems().stream()
                            .map(item -> item.getKey()).toList());
                }
                if (volume.getSecret() != null) {
                    assertKeys("Secret", secrets, volume.getSecret().getSecretName(), volume.getSecret()
                            .getItems() == null ? List.of() : volume.getSecret().getItems().stream()
                            .map(item -> item.getKey()).toList());
                }
            }
            for (Container container : pods.getSpec().getContainers()) {
                for (EnvVar env : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
                    if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                        assertKeys("Secret", secrets, env.getValueFrom().getSecretKeyRef().getName(),
                                List.of(env.getValueFrom().getSecretKeyRef().getKey()));
                    }
                    if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
                        assertKeys("ConfigMap", configMaps, env.getValueFrom().getConfigMapKeyRef().getName(),
                                List.of(env.getValueFrom().getConfigMapKeyRef().getKey()));
                    }
                }
                // A file named in an argument (--config=/etc/...) is under one of the container's mounts.
                Set<String> mounts = container.getVolumeMounts().stream().map(VolumeMount::getMountPath)
                        .collect(Collectors.toSet());
                container.getArgs().stream().filter(arg -> arg.matches("--[a-z-]+=/etc/.*"))
                        .map(arg -> arg.substring(arg.indexOf('=') + 1)).forEach(file -> assertTrue(
                                mounts.stream().anyMatch(mount -> file.startsWith(mount + "/")),
                                container.getName() + " reads " + file + ", which no volume mounts: " + mounts));
            }
        }
    }

    @Test
    void shouldGiveTheEngineSettingsItTakes() throws IOException {
        Properties settings = new Properties();
        settings.load(new StringReader(configMaps.get("eddy-engine-config").get("engine.properties")));
        Map<String, Object> config = new HashMap<>();
        settings.forEach((key, value) -> config.put((String) key, value));
        config.put(EngineConfig.BOOTSTRAP_SERVERS, configMaps.get("eddy-engine-config").get("bootstrap.servers"));
        Set<String> unknown = new HashSet<>(config.keySet());
        unknown.removeAll(EngineConfig.definition().names());
        assertEquals(Set.of(), unknown, "settings the engine does not have (./eddy config lists them)");
        new EngineConfig(config); // and their values are valid
        StatefulSet engine = all(StatefulSet.class).get(0);
        assertTrue(engine.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .contains("--set=instance.id=$(POD_NAME)"), "each pod its own, stable, instance.id");
    }

    @Test
    void shouldScaleAWorkloadThatExists() {
        GenericKubernetesResource scaled = objects.stream().filter(o -> o.getKind().equals("ScaledObject"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> target = (Map<String, Object>) ((Map<String, Object>) scaled.getAdditionalProperties()
                .get("spec")).get("scaleTargetRef");
        assertTrue(objects.stream().anyMatch(o -> o.getKind().equals(target.get("kind"))
                && name(o).equals(target.get("name"))), "KEDA scales " + target + ", which does not exist");
    }

    @Test
    void shouldScrapeServicesThatExistAndComposeServicesThatExist() throws IOException {
        JsonNode prometheus = YAML.readTree(configMaps.get("eddy-prometheus").get("prometheus.yml"));
        Set<String> services = all(Service.class).stream().map(DeployManifestsTest::name).collect(Collectors.toSet());
        for (JsonNode job : prometheus.get("scrape_configs")) {
            for (JsonNode name : job.get("dns_sd_configs").get(0).get("names")) {
                assertTrue(services.contains(name.asText()), "Prometheus scrapes " + name + "; Services: " + services);
            }
        }
        JsonNode compose = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile());
        Set<String> composed = new HashSet<>();
        compose.get("services").fieldNames().forEachRemaining(composed::add);
        compose.get("services").forEach(service -> {
            if (service.has("depends_on")) { // a list of services, or a map of them to their conditions
                JsonNode dependsOn = service.get("depends_on");
                List<String> names = new ArrayList<>();
                if (dependsOn.isArray()) {
                    dependsOn.forEach(d -> names.add(d.asText()));
                } else {
                    dependsOn.fieldNames().forEachRemaining(names::add);
                }
                names.forEach(d -> assertTrue(composed.contains(d), "depends on " + d + ", which is no service"));
            }
            if (service.has("configs")) {
                service.get("configs").forEach(c -> assertTrue(compose.get("configs").has(c.get("source").asText())));
            }
        });
        assertEquals(3, composed.stream().filter(s -> s.startsWith("kafka-")).count(), "three brokers");
        // (the brokers merge x-kafka's settings with YAML merge keys, which this parser leaves unmerged)
        assertFalse(compose.get("x-kafka").get("environment").get("CLUSTER_ID").asText().isEmpty());
    }

    private static void assertKeys(String kind, Map<String, Map<String, String>> known, String name,
            List<String> keys) {
        assertTrue(known.containsKey(name), kind + " " + name + " is referred to but does not exist; there are "
                + known.keySet());
        for (String key : keys) {
            assertTrue(known.get(name).containsKey(key), kind + " " + name + " has no key '" + key + "'; it has "
                    + known.get(name).keySet());
        }
    }

    private static PodTemplateSpec podsSelectedBy(Map<String, String> selector, String what) {
        return podTemplates().stream()
                .filter(pods -> pods.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .findFirst().orElseThrow(() -> new AssertionError(what + " selects " + selector + ": no workload"
                        + " has such pods"));
    }

    private static Set<String> containerPorts(PodTemplateSpec pods) {
        return pods.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                .map(ContainerPort::getName).collect(Collectors.toSet());
    }

    private static List<PodTemplateSpec> podTemplates() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        all(StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        all(Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
        return templates;
    }

    private static List<Container> containers() {
        return podTemplates().stream().flatMap(pods -> pods.getSpec().getContainers().stream()).toList();
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String name(HasMetadata object) {
        return object.getMetadata().getName();
    }
}
