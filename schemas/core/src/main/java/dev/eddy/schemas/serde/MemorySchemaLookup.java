package dev.eddy.schemas.serde;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;

/** Schemas kept in memory, ids counted from 1: for tests, and for tools that need no registry. */
public final class MemorySchemaLookup implements SchemaLookup {

    private final List<Schema> schemas = new CopyOnWriteArrayList<>();
    private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();

    @Override
    public Schema schema(int id) {
        if (id < 1 || id > schemas.size()) {
            throw new SerdeException(SerdeException.Reason.UNKNOWN_SCHEMA_ID, "no schema has id " + id + " (ids 1 to "
                    + schemas.size() + " are known)");
        }
        return schemas.get(id - 1);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        Integer id = ids.get(schema);
        if (id == null) {
            schemas.add(schema);
            id = schemas.size();
            ids.put(schema, id);
        }
        return id;
    }
}
