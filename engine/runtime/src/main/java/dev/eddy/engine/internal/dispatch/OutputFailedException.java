package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EddyException;
import org.apache.kafka.common.TopicPartition;

/** Records could not be completed because Kafka refused what the handler emitted for them. */
public final class OutputFailedException extends EddyException {

    OutputFailedException(String function, TopicPartition partition, long committed, Throwable cause) {
        super("Function '" + function + "' stopped: an emit for a record of " + partition + " was refused by"
                + " Kafka (" + cause + "). Offsets stay at " + (committed < 0 ? "the last commit" : committed)
                + ", so nothing after it is lost; fix the cause and start the function again.", cause);
    }
}
