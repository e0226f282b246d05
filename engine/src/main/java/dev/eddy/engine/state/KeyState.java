package dev.eddy.engine.state;

import dev.eddy.sdk.spi.StateStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * All the state of one key of one function, as every store keeps it: one record per key, so that the state and
 * the <em>fence</em> — the source partition and offset of the last record whose changes it holds — are written
 * together. A record at or before the fence was applied already: a replay after a crash skips it, so that state
 * changes apply exactly once even where input is delivered at least once.
 *
 * <p>It is the {@link StateStore} a call's {@link dev.eddy.sdk.spi.CallState} reads; the call's changes go to a
 * {@link #copy}, so that a failed call or a refused write leaves the loaded state as it was.
 *
 * <p>Not thread-safe: a key has one writer, the lane running its records.
 */
public final class KeyState implements StateStore {

    /** The entry under which a value state keeps its value. */
    static final String VALUE = "";
    private static final byte FORMAT = 1;

    /** State name → entry → stored value; sorted, so that equal states encode equally. */
    private final Map<String, Map<String, Stored>> states;
    private String fenceSource;
    private long fenceOffset = -1;

    private KeyState(Map<String, Map<String, Stored>> states, String fenceSource, long fenceOffset) {
        this.states = states;
        this.fenceSource = fenceSource;
        this.fenceOffset = fenceOffset;
    }

    /** A key with no state, never written. */
    public static KeyState empty() {
        return new KeyState(new TreeMap<>(), null, -1);
    }

    /** An independent copy, for a call's changes. */
    public KeyState copy() {
        Map<String, Map<String, Stored>> copied = new TreeMap<>();
        states.forEach((name, entries) -> copied.put(name, new TreeMap<>(entries)));
        return new KeyState(copied, fenceSource, fenceOffset);
    }

    /** The name of a source partition as fences record it: {@code <topic>:<partition>}. */
    public static String source(String topic, int partition) {
        return topic + ":" + partition;
    }

    /** Whether this state already holds the changes of the record at that source and offset. */
    public boolean covers(String source, long offset) {
        return offset <= fenceOffset && source.equals(fenceSource);
    }

    /** Records that this state holds the changes of the records up to this one of its source. */
    public void fence(String source, long offset) {
        this.fenceSource = source;
        this.fenceOffset = offset;
    }

    /** The source of the last record applied, or null. */
    public String fenceSource() {
        return fenceSource;
    }

    /** The offset of the last record applied, or -1. */
    public long fenceOffset() {
        return fenceOffset;
    }

    @Override
    public Stored get(String key, String state, String entry) {
        Map<String, Stored> entries = states.get(state);
        return entries == null ? null : entries.get(entry == null ? VALUE : entry);
    }

    @Override
    public Map<String, Stored> entries(String key, String state) {
        Map<String, Stored> entries = states.get(state);
        return entries == null ? Map.of() : Collections.unmodifiableMap(entries);
    }

    @Override
    public void put(String key, String state, String entry, Stored stored) {
        String name = entry == null ? VALUE : entry;
        if (stored == null) {
            Map<String, Stored> entries = states.get(state);
            if (entries != null) {
                entries.remove(name);
                if (entries.isEmpty()) {
                    states.remove(state);
                }
            }
        } else {
            states.computeIfAbsent(state, s -> new TreeMap<>()).put(name, stored);
        }
    }

    /** Every state by name, then entry ({@code ""} for a value state's value). */
    public Map<String, Map<String, Stored>> states() {
        return Collections.unmodifiableMap(states);
    }

    /** Whether no state is left (a key whose state is all cleared or expired is deleted from its store). */
    public boolean isEmpty() {
        return states.isEmpty();
    }

    /**
     * Removes what expired by then.
     *
     * @return whether anything was removed
     */
    public boolean dropExpired(long nowMillis) {
        boolean dropped = false;
        Iterator<Map<String, Stored>> names = states.values().iterator();
        while (names.hasNext()) {
            Map<String, Stored> entries = names.next();
            dropped |= entries.values().removeIf(stored -> stored.expiresAtMillis() <= nowMillis);
            if (entries.isEmpty()) {
                names.remove();
            }
        }
        return dropped;
    }

    /** When the first of its entries expires ({@link Long#MAX_VALUE} for never): the next sweep it needs. */
    public long nextExpiry() {
        long next = Long.MAX_VALUE;
        for (Map<String, Stored> entries : states.values()) {
            for (Stored stored : entries.values()) {
                next = Math.min(next, stored.expiresAtMillis());
            }
        }
        return next;
    }

    /** When the last of its entries expires ({@link Long#MAX_VALUE} for never): when the whole key is gone. */
    public long lastExpiry() {
        long last = Long.MIN_VALUE;
        for (Map<String, Stored> entries : states.values()) {
            for (Stored stored : entries.values()) {
                last = Math.max(last, stored.expiresAtMillis());
            }
        }
        return last == Long.MIN_VALUE ? Long.MAX_VALUE : last;
    }

    /** The bytes every store keeps: a format byte, the fence, then each state's entries. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(fenceSource == null ? "" : fenceSource);
            out.writeLong(fenceOffset);
            out.writeInt(states.size());
            for (Map.Entry<String, Map<String, Stored>> state : states.entrySet()) {
                out.writeUTF(state.getKey());
                out.writeInt(state.getValue().size());
                for (Map.Entry<String, Stored> entry : state.getValue().entrySet()) {
                    out.writeUTF(entry.getKey());
                    out.writeLong(entry.getValue().expiresAtMillis());
                    byte[] value = entry.getValue().value();
                    out.writeInt(value.length);
                    out.write(value);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not a key's state
     */
    public static KeyState decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("not a key's state: format " + format + ", expected " + FORMAT);
            }
            String source = in.readUTF();
            long offset = in.readLong();
            Map<String, Map<String, Stored>> states = new TreeMap<>();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int size = in.readInt();
                Map<String, Stored> entries = new TreeMap<>();
                for (int j = 0; j < size; j++) {
                    String entry = in.readUTF();
                    long expires = in.readLong();
                    int length = in.readInt();
                    if (length < 0 || length > encoded.length) {
                        throw new IllegalArgumentException("not a key's state: a value of " + length + " bytes");
                    }
                    entries.put(entry, new Stored(in.readNBytes(length), expires));
                }
                states.put(name, entries);
            }
            return new KeyState(states, source.isEmpty() ? null : source, offset);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a key's state: " + e, e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyState that && Arrays.equals(encode(), that.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "KeyState" + states.keySet() + " applied up to " + fenceSource + "@" + fenceOffset;
    }
}
