package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EddyException;

/** A handler call ran past the function's timeout and was interrupted; its result, if any, is discarded. */
final class HandlerTimeoutException extends EddyException {

    HandlerTimeoutException(Throwable whatItThrew) {
        super("the handler call ran past the function's timeout and was interrupted", whatItThrew);
    }
}
