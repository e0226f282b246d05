package dev.eddy.schemas.serde;

import org.apache.avro.Schema;

/** Where schemas and their ids come from: a schema registry (its client caches), or memory in tests. */
public interface SchemaLookup {

    /**
     * The schema of an id.
     *
     * @throws SerdeException with {@link SerdeException.Reason#UNKNOWN_SCHEMA_ID} when there is none
     */
    Schema schema(int id);

    /**
     * The id of a schema under a subject, registering it if it is new there.
     *
     * @throws SerdeException with {@link SerdeException.Reason#UNWRITABLE} when it cannot be registered (say, it
     *                        breaks the subject's compatibility)
     */
    int register(String subject, Schema schema);
}
