package dev.eddy.engine.state;

import dev.eddy.sdk.runtime.StateStore;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * All the state of one key of one function, as every store keeps it: one record per key, so that the state and
 * its <em>fences</em> — for each source partition that fed the key, the offset of the last of its records whose
 * changes the state holds — are written together. A record at or before its partition's fence was applied
 * already: a replay after a crash skips it, so that state changes apply exactly once even where input is delivered
 * at least once. A key fed from several partitions (several input topics, or an input and the function's replay
 * topic) keeps a fence for each, so that one source's records never move another's fence.
 *
 * <p>An external store also keeps a {@link #version} per key, counting its writes, so that a write based on a state
 * that someone else changed meanwhile is refused ({@link StateConflictException}) rather than lost.
 *
 * <p>It is the {@link StateStore} a call's {@link dev.eddy.sdk.runtime.CallState} reads; the call's changes go to a
 * {@link #copy}, so that a failed call or a refused write leaves the loaded state as it was.
 *
 * <p>Not thread-safe: a key has one writer at a time, the lane running its record.
 */
public final class KeyState implements StateStore {

    /** The entry under which a value state keeps its value. */
    static final String VALUE = "";
    /** One fence, for a source partition and offset. */
    private static final byte FORMAT_ONE_FENCE = 1;
    /** A fence for each source partition that fed the key. */
    private static final byte FORMAT = 2;

    /**
     * State name → entry → stored value. Neither these maps nor the inner ones are changed once made: a write
     * replaces them (most keys hold one value, so that is a map of one or two), and a copy shares them until then.
     */
    private Map<String, Map<String, Stored>> states;
    /** Source partition → offset of the last of its records applied. Replaced, never changed, as {@link #states}. */
    private Map<String, Long> fences;
    /** The store's count of this key's writes when it was read; 0 for a key never written. */
    private long version;
    /**
     * No entry expires before this (it may be earlier than the first expiry, after a write replaced an expiring
     * entry): {@link Long#MAX_VALUE} when nothing expires, so that a state without time-to-live is never searched
     * for what expired.
     */
    private long expiresNoEarlier;

    private KeyState(Map<String, Map<String, Stored>> states, Map<String, Long> fences) {
        this(states, fences, 0, firstExpiry(states));
    }

    private KeyState(Map<String, Map<String, Stored>> states, Map<String, Long> fences, long version,
            long expiresNoEarlier) {
        this.states = states;
        this.fences = fences;
        this.version = version;
        this.expiresNoEarlier = expiresNoEarlier;
    }

    /** A key with no state, never written. */
    public static KeyState empty() {
        return new KeyState(Map.of(), Map.of(), 0, Long.MAX_VALUE);
    }

    /** An independent copy, for a call's changes. */
    public KeyState copy() {
        return new KeyState(states, fences, version, expiresNoEarlier);
    }

    /** The name of a source partition as fences record it: {@code <topic>:<partition>}. */
    public static String source(String topic, int partition) {
        return topic + ":" + partition;
    }

    /** Whether this state already holds the changes of the record at that source and offset. */
    public boolean covers(String source, long offset) {
        Long fence = fences.get(source);
        return fence != null && offset <= fence;
    }

    /** Records that this state holds the changes of the records up to this one of its source. */
    public void fence(String source, long offset) {
        fences = with(fences, source, offset);
    }

    /** Each source partition that fed the key, with the offset of the last of its records applied. */
    public Map<String, Long> fences() {
        return Collections.unmodifiableMap(fences);
    }

    /**
     * Whether this state holds everything {@code other} holds: its fence for each of {@code other}'s sources is at
     * least as far. A write that is not (a former owner's, late) must not replace {@code other}.
     */
    public boolean includes(KeyState other) {
        for (Map.Entry<String, Long> fence : other.fences.entrySet()) {
            Long mine = fences.get(fence.getKey());
            if (mine == null || mine < fence.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The store's count of this key's writes when it was read: a write of this state expects it unchanged. */
    public long version() {
        return version;
    }

    /** This state as the store holds it at that version. */
    KeyState atVersion(long version) {
        this.version = version;
        return this;
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
        Map<String, Stored> entries = states.get(state);
        if (stored == null) {
            if (entries != null && entries.containsKey(name)) {
                if (entries.size() == 1) {
                    states = without(states, state);
                } else {
                    states = with(states, state, without(entries, name));
                }
            }
            return;
        }
        expiresNoEarlier = Math.min(expiresNoEarlier, stored.expiresAtMillis());
        states = with(states, state, entries == null ? Map.of(name, stored) : with(entries, name, stored));
    }

    /** A map like {@code map} with {@code value} under {@code key}; {@code map} stays as it was. */
    private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
        if (map.isEmpty() || map.size() == 1 && map.containsKey(key)) {
            return Map.of(key, value);
        }
        Map<String, V> changed = new HashMap<>(map);
        changed.put(key, value);
        return changed;
    }

    /** A map like {@code map} without {@code key}; {@code map} stays as it was. */
    private static <V> Map<String, V> without(Map<String, V> map, String key) {
        if (map.size() == 1 && map.containsKey(key)) {
            return Map.of();
        }
        Map<String, V> left = new HashMap<>(map);
        left.remove(key);
        return left;
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
        if (expiresNoEarlier > nowMillis) {
            return false;
        }
        expiresNoEarlier = nextExpiry(); // exact again
        if (expiresNoEarlier > nowMillis) {
            return false;
        }
        boolean dropped = false;
        Map<String, Map<String, Stored>> kept = new HashMap<>(states);
        Iterator<Map.Entry<String, Map<String, Stored>>> names = kept.entrySet().iterator();
        while (names.hasNext()) {
            Map.Entry<String, Map<String, Stored>> state = names.next();
            Map<String, Stored> left = new HashMap<>(state.getValue());
            if (left.values().removeIf(stored -> stored.expiresAtMillis() <= nowMillis)) {
                dropped = true;
                if (left.isEmpty()) {
                    names.remove();
                } else {
                    state.setValue(left);
                }
            }
        }
        states = kept;
        expiresNoEarlier = nextExpiry();
        return dropped;
    }

    /** When the first of its entries expires ({@link Long#MAX_VALUE} for never): the next sweep it needs. */
    public long nextExpiry() {
        return expiresNoEarlier == Long.MAX_VALUE ? Long.MAX_VALUE : firstExpiry(states);
    }

    private static long firstExpiry(Map<String, Map<String, Stored>> states) {
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

    /**
     * The bytes every store keeps: a format byte, the fences, then each state's entries; text as UTF-8 with a 2-byte
     * length, values with a 4-byte one. (The version is the store's, kept beside these bytes.)
     */
    public byte[] encode() {
        int size = 1 + 2;
        for (String source : fences.keySet()) {
            size += 2 + utf8Length(source) + 8;
        }
        size += 4;
        for (Map.Entry<String, Map<String, Stored>> state : states.entrySet()) {
            size += 2 + utf8Length(state.getKey()) + 4;
            for (Map.Entry<String, Stored> entry : state.getValue().entrySet()) {
                size += 2 + utf8Length(entry.getKey()) + 8 + 4 + entry.getValue().value().length;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(FORMAT);
        out.putShort((short) fences.size());
        for (Map.Entry<String, Long> fence : fences.entrySet()) {
            text(out, fence.getKey());
            out.putLong(fence.getValue());
        }
        out.putInt(states.size());
        for (Map.Entry<String, Map<String, Stored>> state : states.entrySet()) {
            text(out, state.getKey());
            out.putInt(state.getValue().size());
            for (Map.Entry<String, Stored> entry : state.getValue().entrySet()) {
                text(out, entry.getKey());
                out.putLong(entry.getValue().expiresAtMillis());
                byte[] value = entry.getValue().value();
                out.putInt(value.length);
                out.put(value);
            }
        }
        return out.array();
    }

    /** State names and entries are ASCII (names by rule, entries base64): one byte per char, else measured. */
    private static int utf8Length(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return text.length();
    }

    /** Writes text as {@link #text(ByteBuffer, byte[])} does, ASCII without making its bytes first. */
    private static void text(ByteBuffer out, String text) {
        if (utf8Length(text) != text.length()) {
            text(out, text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (text.length() > 0xFFFF) {
            throw new IllegalArgumentException("a state name or entry of " + text.length() + " bytes; at most 65535");
        }
        out.putShort((short) text.length());
        for (int i = 0; i < text.length(); i++) {
            out.put((byte) text.charAt(i));
        }
    }

    private static void text(ByteBuffer out, byte[] utf8) {
        if (utf8.length > 0xFFFF) {
            throw new IllegalArgumentException("a state name or entry of " + utf8.length + " bytes; at most 65535");
        }
        out.putShort((short) utf8.length);
        out.put(utf8);
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not a key's state
     */
    public static KeyState decode(byte[] encoded) {
        try {
            ByteBuffer in = ByteBuffer.wrap(encoded);
            byte format = in.get();
            Map<String, Long> fences;
            if (format == FORMAT) {
                int sources = Short.toUnsignedInt(in.getShort());
                fences = new HashMap<>(Math.max(4, sources * 2));
                for (int i = 0; i < sources; i++) {
                    fences.put(text(in), in.getLong());
                }
                fences = sources == 1 ? Map.copyOf(fences) : fences;
            } else if (format == FORMAT_ONE_FENCE) {
                String source = text(in);
                long offset = in.getLong();
                fences = source.isEmpty() ? Map.of() : Map.of(source, offset);
            } else {
                throw new IllegalArgumentException("not a key's state: format " + format + ", expected "
                        + FORMAT_ONE_FENCE + " or " + FORMAT);
            }
            int count = in.getInt();
            Map<String, Map<String, Stored>> states = new HashMap<>(Math.max(4, count * 2));
            for (int i = 0; i < count; i++) {
                String name = text(in);
                int size = in.getInt();
                if (size < 0 || size > in.remaining()) {
                    throw new IllegalArgumentException("not a key's state: " + size + " entries");
                }
                Map<String, Stored> entries = new HashMap<>(Math.max(4, size * 2));
                for (int j = 0; j < size; j++) {
                    String entry = text(in);
                    long expires = in.getLong();
                    int length = in.getInt();
                    if (length < 0 || length > in.remaining()) {
                        throw new IllegalArgumentException("not a key's state: a value of " + length + " bytes");
                    }
                    byte[] value = new byte[length];
                    in.get(value);
                    entries.put(entry, new Stored(value, expires));
                }
                states.put(name, size == 1 ? Map.copyOf(entries) : entries);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("not a key's state: " + in.remaining() + " bytes too many");
            }
            return new KeyState(count == 1 ? Map.copyOf(states) : states, fences);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("not a key's state: the bytes end too soon", e);
        }
    }

    private static String text(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > in.remaining()) {
            throw new IllegalArgumentException("not a key's state: a text of " + length + " bytes");
        }
        String text = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return text;
    }

    /** Equal states: the same fences, and the same values under the same names and entries. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof KeyState that) || !that.fences.equals(fences)
                || !that.states.keySet().equals(states.keySet())) {
            return false;
        }
        for (Map.Entry<String, Map<String, Stored>> state : states.entrySet()) {
            Map<String, Stored> theirs = that.states.get(state.getKey());
            if (!theirs.keySet().equals(state.getValue().keySet())) {
                return false;
            }
            for (Map.Entry<String, Stored> entry : state.getValue().entrySet()) {
                Stored their = theirs.get(entry.getKey());
                if (their.expiresAtMillis() != entry.getValue().expiresAtMillis()
                        || !Arrays.equals(their.value(), entry.getValue().value())) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(fences, states.keySet());
    }

    @Override
    public String toString() {
        return "KeyState" + states.keySet() + " applied up to " + fences + " (version " + version + ")";
    }
}
