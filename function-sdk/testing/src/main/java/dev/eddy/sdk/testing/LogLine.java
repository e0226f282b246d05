package dev.eddy.sdk.testing;

import java.lang.System.Logger.Level;

/**
 * One line a function logged.
 *
 * @param level   its level
 * @param message the message, with its parameters filled in
 * @param error   the throwable logged with it, or null
 */
public record LogLine(Level level, String message, Throwable error) {

    @Override
    public String toString() {
        return level + " " + message + (error == null ? "" : " (" + error + ")");
    }
}
