package io.kvorum.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The message classes a bus may carry, each with a stable numeric id that appears on the wire.
 *
 * <p>Every module that defines messages adds them here at assembly (the node's composition root,
 * or a simulation), and the wire codec registers exactly these classes: a frame naming any other
 * id is rejected, so no peer can make a node deserialise an arbitrary class. Ids never change
 * meaning once released; a removed message leaves its id unused.
 */
public final class MessageTypes {
    private final Map<Integer, Class<? extends Message>> byId;
    private final Map<Class<? extends Message>, Integer> byClass;

    private MessageTypes(Map<Integer, Class<? extends Message>> byId) {
        this.byId = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
        Map<Class<? extends Message>, Integer> inverse = new LinkedHashMap<>();
        byId.forEach((id, type) -> inverse.put(type, id));
        this.byClass = Collections.unmodifiableMap(inverse);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The id of {@code type}, or -1 when it is not registered. */
    public int idOf(Class<?> type) {
        Integer id = byClass.get(type);
        return id == null ? -1 : id;
    }

    /** The class registered under {@code id}, or null. */
    public Class<? extends Message> typeOf(int id) {
        return byId.get(id);
    }

    /** Every registration, in id order of registration. */
    public Map<Integer, Class<? extends Message>> all() {
        return byId;
    }

    /** Collects registrations; rejects an id or class registered twice. */
    public static final class Builder {
        private final Map<Integer, Class<? extends Message>> byId = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder add(int id, Class<? extends Message> type) {
            Checks.require(id > 0 && id < 1 << 20, "message id", id, "1.." + ((1 << 20) - 1));
            Checks.require(!byId.containsKey(id), "message id", id, "unused, but it is taken by " + byId.get(id));
            Checks.require(!byId.containsValue(type), "message type", type.getName(), "registered once");
            byId.put(id, type);
            return this;
        }

        public MessageTypes build() {
            return new MessageTypes(byId);
        }
    }
}
