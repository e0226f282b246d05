package dev.eddy.engine;

import org.apache.kafka.common.config.ConfigDef;

/** Renders a {@link ConfigDef} as a Markdown table, so that the docs are generated from the definitions. */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    public static String markdown(ConfigDef definition) {
        StringBuilder out = new StringBuilder();
        out.append("| key | description | type | default | valid values | importance |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : new java.util.TreeMap<>(definition.configKeys()).values()) {
            out.append("| `").append(key.name).append("` | ")
                    .append(key.documentation.replace("|", "\\|")).append(" | ")
                    .append(key.type.toString().toLowerCase()).append(" | ")
                    .append(key.hasDefault() ? "`" + ConfigDef.convertToString(key.defaultValue, key.type) + "`" : "(required)")
                    .append(" | ")
                    .append(key.validator == null ? "" : key.validator.toString().replace("|", "\\|"))
                    .append(" | ")
                    .append(key.importance.toString().toLowerCase()).append(" |\n");
        }
        return out.toString();
    }
}
