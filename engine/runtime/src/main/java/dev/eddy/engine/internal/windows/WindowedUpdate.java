package dev.eddy.engine.internal.windows;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.window.Window;

/**
 * Whether a new version of a function may take over the windows the running one keeps: the same windows (kind,
 * size, advance, gap; the grace and what is emitted may change) over accumulators the same codec wrote. Otherwise
 * the new version could not read what is kept, or would put its events in windows that no longer exist.
 */
public final class WindowedUpdate {

    private WindowedUpdate() {
    }

    /** Why {@code next} cannot replace {@code running}, or null when it can. */
    public static String refusal(FunctionDefinition running, FunctionDefinition next) {
        if (running.windowed() == null && next.windowed() == null) {
            return null;
        }
        if (running.windowed() == null || next.windowed() == null) {
            return "'" + running.name() + "' is " + (running.windowed() == null ? "not " : "") + "a windowed"
                    + " function, and the new version is " + (next.windowed() == null ? "not" : "")
                    + " one: a function keeps its kind under its name (undeploy it first, or deploy the new one"
                    + " under another name)";
        }
        Window kept = running.window();
        Window wanted = next.window();
        if (kept.kind() != wanted.kind() || !kept.size().equals(wanted.size())
                || !kept.advance().equals(wanted.advance()) || !kept.gap().equals(wanted.gap())) {
            return "its windows (" + kept + ") are kept; the new version's (" + wanted + ") are others, which those"
                    + " kept cannot become (only the grace and the emit may change): deploy it under another name,"
                    + " or undeploy '" + running.name() + "' first (its windows are deleted)";
        }
        String keptCodec = running.windowed().aggregate().codec().name();
        String wantedCodec = next.windowed().aggregate().codec().name();
        if (!keptCodec.equals(wantedCodec)) {
            return "its open windows hold accumulators written by the codec '" + keptCodec + "'; the new version's"
                    + " aggregate keeps '" + wantedCodec + "', which cannot read them: keep the accumulator's type"
                    + " and codec, deploy under another name, or undeploy '" + running.name() + "' first (its"
                    + " windows are deleted)";
        }
        return null;
    }
}
