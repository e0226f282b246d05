package dev.eddy.sdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The headers of an event, in order; a name may appear more than once. Immutable: {@link #with} returns a copy.
 */
public final class Headers {

    private static final Headers EMPTY = new Headers(List.of());

    private final List<Header> headers;

    private Headers(List<Header> headers) {
        this.headers = headers;
    }

    /** No headers. */
    public static Headers empty() {
        return EMPTY;
    }

    /** The given headers, in the given order. */
    public static Headers of(List<Header> headers) {
        return headers.isEmpty() ? EMPTY : new Headers(List.copyOf(headers));
    }

    /** Every header, in order; an unmodifiable list. */
    public List<Header> all() {
        return headers;
    }

    /** The value of the last header of that name, if there is one. */
    public Optional<byte[]> lastValue(String name) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header header = headers.get(i);
            if (header.name().equals(name)) {
                return Optional.ofNullable(header.value());
            }
        }
        return Optional.empty();
    }

    /** The value of the last header of that name decoded as UTF-8, if there is one. */
    public Optional<String> lastString(String name) {
        return lastValue(name).map(value -> new Header(name, value).valueAsString());
    }

    /** A copy with {@code header} added at the end. */
    public Headers with(Header header) {
        List<Header> copy = new ArrayList<>(headers.size() + 1);
        copy.addAll(headers);
        copy.add(header);
        return new Headers(Collections.unmodifiableList(copy));
    }

    /** A copy in which {@code header} takes the place of every header of its name, at the end. */
    public Headers replacing(Header header) {
        List<Header> copy = new ArrayList<>(headers.size() + 1);
        for (Header existing : headers) {
            if (!existing.name().equals(header.name())) {
                copy.add(existing);
            }
        }
        copy.add(header);
        return new Headers(Collections.unmodifiableList(copy));
    }

    public boolean isEmpty() {
        return headers.isEmpty();
    }

    public int size() {
        return headers.size();
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Headers that) || that.size() != size()) {
            return false;
        }
        for (int i = 0; i < headers.size(); i++) {
            Header a = headers.get(i);
            Header b = that.headers.get(i);
            if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.value(), b.value())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (Header header : headers) {
            hash = 31 * hash + header.name().hashCode();
            hash = 31 * hash + java.util.Arrays.hashCode(header.value());
        }
        return hash;
    }

    @Override
    public String toString() {
        return headers.toString();
    }
}
