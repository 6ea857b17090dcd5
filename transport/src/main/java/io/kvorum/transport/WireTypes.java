package io.kvorum.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.EnumSerializer;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Failure;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.Murmur3;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Which classes may cross the wire, and the Kryo id each one travels under.
 *
 * <p>Kryo runs with registration required and with a class resolver that refuses class names, so a
 * frame can only name a class listed here: no peer or client can make a node load or instantiate
 * anything else (the deserialization hole of Java serialization and of Kryo with registration
 * off). What is listed:
 * <ul>
 *   <li>ids 10..99, fixed: byte[]/int[]/long[], the JDK's common lists, sets and maps (mutable ones
 *       come back as the same class, immutable and unmodifiable ones as unmodifiable views), the
 *       core value types (Key, NodeId, Actor, Dot, VersionVector, Record, TokenRange, Failure),
 *       UUID, InetSocketAddress and the transport's own handshake records;</li>
 *   <li>{@code 100 + id} for each class of {@link MessageTypes} — records, serialized by Kryo's
 *       {@code RecordSerializer} (components in name order, through the canonical constructor, so a
 *       record's own validation runs on every decoded message);</li>
 *   <li>every record, enum and sealed type reachable from a message's components (including generic
 *       arguments such as the {@code Member} of a {@code List<Member>}), under an id hashed from its
 *       class name into {@code [2^20 + 128, 2^21)}. Hashing rather than numbering keeps an id stable
 *       when other messages are added, so nodes of neighbouring versions agree; two names that
 *       collide are reported when the bus is built.</li>
 * </ul>
 * Primitives, their boxes and String keep Kryo's ids 0..8 (String with a bounded serializer). A
 * component of a class outside these (an array of objects, an arbitrary class) is refused when the
 * bus or client is built, not when the first message fails to encode.
 *
 * <p>Renaming a record component reorders the wire form (Kryo writes components by name); renaming
 * a nested record changes its id. Both are wire-incompatible changes, like changing a message id.
 */
final class WireTypes {
    static final int NODE_HELLO_TYPE_ID = 1;
    static final int SERVER_HELLO_TYPE_ID = 2;
    static final int CLIENT_HELLO_TYPE_ID = 3;
    static final int AUTH_CHALLENGE_TYPE_ID = 4;
    static final int CLIENT_PROOF_TYPE_ID = 5;
    /** The typeId of every FAILURE frame. */
    static final int FAILURE_TYPE_ID = 0;

    private static final int MESSAGE_ID_BASE = 100;
    private static final int DISCOVERED_ID_BASE = (1 << 20) + 128;
    private static final int DISCOVERED_ID_SPAN = (1 << 21) - DISCOVERED_ID_BASE;
    /** Deep enough for any real message; stops a frame of nested lists from overflowing the stack. */
    private static final int MAX_OBJECT_DEPTH = 32;

    private record Entry(Class<?> type, int kryoId, Supplier<Serializer<?>> serializer) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<Class<?>, Entry> byClass = new HashMap<>();
    private final Map<Integer, Class<?>> discoveredIds = new HashMap<>();

    WireTypes(MessageTypes types) {
        registerFixed();
        for (Map.Entry<Integer, Class<? extends Message>> m : types.all().entrySet()) {
            Class<? extends Message> type = m.getValue();
            int kryoId = MESSAGE_ID_BASE + m.getKey();
            if (type == Failure.class) {
                replace(Failure.class, kryoId, CoreSerializers.FailureSerializer::new);
                continue;
            }
            if (!type.isRecord()) {
                throw new IllegalArgumentException("message type: " + type.getName()
                        + " (expected: a record, so that the codec can build it through its canonical constructor)");
            }
            add(type, kryoId, recordSerializer(type));
        }
        for (Class<? extends Message> type : types.all().values()) {
            if (type.isRecord()) {
                discoverComponents(type, type.getSimpleName());
            }
        }
    }

    /** A Kryo configured with exactly these registrations; one per thread, as Kryo is not thread-safe. */
    Kryo newKryo() {
        Kryo kryo = new Kryo(new RegisteredOnlyResolver(), null);
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setMaxDepth(MAX_OBJECT_DEPTH);
        kryo.register(String.class, new CoreSerializers.StringSerializer());
        for (Entry e : entries) {
            kryo.register(e.type(), e.serializer().get(), e.kryoId());
        }
        return kryo;
    }

    /** The class a HELLO frame's typeId names, or null. */
    static Class<?> helloType(int typeId) {
        return switch (typeId) {
            case NODE_HELLO_TYPE_ID -> Hello.class;
            case SERVER_HELLO_TYPE_ID -> ServerHello.class;
            case CLIENT_HELLO_TYPE_ID -> ClientHello.class;
            case AUTH_CHALLENGE_TYPE_ID -> AuthChallenge.class;
            case CLIENT_PROOF_TYPE_ID -> ClientProof.class;
            default -> null;
        };
    }

    static int helloTypeId(Object hello) {
        if (hello instanceof Hello) {
            return NODE_HELLO_TYPE_ID;
        }
        if (hello instanceof ServerHello) {
            return SERVER_HELLO_TYPE_ID;
        }
        if (hello instanceof ClientHello) {
            return CLIENT_HELLO_TYPE_ID;
        }
        if (hello instanceof AuthChallenge) {
            return AUTH_CHALLENGE_TYPE_ID;
        }
        if (hello instanceof ClientProof) {
            return CLIENT_PROOF_TYPE_ID;
        }
        throw new IllegalArgumentException("hello: " + hello.getClass().getName() + " (expected: a hello record)");
    }

    private void registerFixed() {
        add(byte[].class, 10, CoreSerializers.BytesSerializer::new);
        add(long[].class, 11, CoreSerializers.LongsSerializer::new);
        add(int[].class, 12, CoreSerializers.IntsSerializer::new);

        add(ArrayList.class, 13, CoreSerializers::mutableList);
        int id = 14;
        for (Class<?> c : List.of(List.of(1).getClass(), List.of(1, 2, 3).getClass(),
                Collections.unmodifiableList(new ArrayList<>()).getClass(),
                Collections.unmodifiableList(new LinkedList<>()).getClass(), Arrays.asList().getClass(),
                Collections.emptyList().getClass(), Collections.singletonList(1).getClass())) {
            addIfNew(c, id++, CoreSerializers::unmodifiableList);
        }
        id = 22;
        for (Class<?> c : List.of(HashSet.class, LinkedHashSet.class, TreeSet.class, Set.of(1).getClass(),
                Set.of(1, 2, 3).getClass(), Collections.unmodifiableSet(new HashSet<>()).getClass(),
                Collections.emptySet().getClass(), Collections.singleton(1).getClass())) {
            addIfNew(c, id++, () -> CoreSerializers.set(c));
        }
        id = 30;
        for (Class<?> c : List.of(HashMap.class, LinkedHashMap.class, TreeMap.class, Map.of(1, 1).getClass(),
                Map.of(1, 1, 2, 2).getClass(), Collections.unmodifiableMap(new HashMap<>()).getClass(),
                Collections.emptyMap().getClass(), Collections.singletonMap(1, 1).getClass())) {
            addIfNew(c, id++, () -> CoreSerializers.map(c));
        }

        add(Key.class, 40, CoreSerializers.KeySerializer::new);
        add(NodeId.class, 41, CoreSerializers.NodeIdSerializer::new);
        add(Actor.class, 42, CoreSerializers.ActorSerializer::new);
        add(Dot.class, 43, CoreSerializers.DotSerializer::new);
        add(VersionVector.class, 44, CoreSerializers.VersionVectorSerializer::new);
        add(Record.class, 45, CoreSerializers.RecordSerializer::new);
        add(TokenRange.class, 46, CoreSerializers.TokenRangeSerializer::new);
        add(Failure.class, 47, CoreSerializers.FailureSerializer::new);
        add(UUID.class, 48, CoreSerializers.UuidSerializer::new);
        add(InetSocketAddress.class, 49, CoreSerializers.SocketAddressSerializer::new);

        add(Hello.class, 60, recordSerializer(Hello.class));
        add(ServerHello.class, 61, recordSerializer(ServerHello.class));
        add(ClientHello.class, 62, recordSerializer(ClientHello.class));
        add(AuthChallenge.class, 63, recordSerializer(AuthChallenge.class));
        add(ClientProof.class, 64, recordSerializer(ClientProof.class));
    }

    private static Supplier<Serializer<?>> recordSerializer(Class<?> type) {
        return () -> new RecordSerializer<>(type);
    }

    private void add(Class<?> type, int kryoId, Supplier<Serializer<?>> serializer) {
        Entry e = new Entry(type, kryoId, serializer);
        entries.add(e);
        byClass.put(type, e);
    }

    private void addIfNew(Class<?> type, int kryoId, Supplier<Serializer<?>> serializer) {
        if (!byClass.containsKey(type)) {
            add(type, kryoId, serializer);
        }
    }

    private void replace(Class<?> type, int kryoId, Supplier<Serializer<?>> serializer) {
        entries.removeIf(e -> e.type() == type);
        add(type, kryoId, serializer);
    }

    private void discoverComponents(Class<?> record, String path) {
        for (RecordComponent rc : record.getRecordComponents()) {
            discover(rc.getGenericType(), path + "." + rc.getName());
        }
    }

    private void discover(Type type, String path) {
        if (type instanceof ParameterizedType p) {
            for (Type arg : p.getActualTypeArguments()) {
                discover(arg, path + "<>");
            }
            discover(p.getRawType(), path);
            return;
        }
        if (type instanceof WildcardType w) {
            for (Type bound : w.getUpperBounds()) {
                discover(bound, path);
            }
            return;
        }
        if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                discover(bound, path);
            }
            return;
        }
        if (!(type instanceof Class<?> c)) {
            throw new IllegalArgumentException("type of " + path + ": " + type + " (expected: a class)");
        }
        if (c.isPrimitive() || isBoxOrString(c) || c == Object.class || byClass.containsKey(c)) {
            return;
        }
        if (c.isArray()) {
            throw new IllegalArgumentException("type of " + path + ": " + c.getSimpleName()
                    + " (expected: byte[], int[], long[] or a List; other arrays cannot be sent)");
        }
        if (c.isEnum()) {
            addDiscovered(c, () -> new EnumSerializer(c.asSubclass(Enum.class)), path);
        } else if (c.isRecord()) {
            addDiscovered(c, recordSerializer(c), path);
            discoverComponents(c, path);
        } else if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                discover(sub, path);
            }
        } else if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException("type of " + path + ": " + c.getName() + " (expected: a record, an enum,"
                    + " a core value type, String, a boxed primitive, byte[]/int[]/long[], UUID, InetSocketAddress"
                    + " or a List/Set/Map of those)");
        }
        // Other interfaces and abstract classes (List, Map, Message, Number...): the concrete class
        // travels with each value and must be one of the registered ones.
    }

    private void addDiscovered(Class<?> type, Supplier<Serializer<?>> serializer, String path) {
        byte[] name = type.getName().getBytes(StandardCharsets.UTF_8);
        int kryoId = DISCOVERED_ID_BASE + (int) Long.remainderUnsigned(Murmur3.hash64(name, 0, name.length),
                DISCOVERED_ID_SPAN);
        Class<?> clash = discoveredIds.putIfAbsent(kryoId, type);
        if (clash != null) {
            throw new IllegalStateException("wire id " + kryoId + " of " + type.getName() + " (in " + path
                    + ") is already taken by " + clash.getName() + " (expected: distinct class names hash apart;"
                    + " rename one of them)");
        }
        add(type, kryoId, serializer);
    }

    private static boolean isBoxOrString(Class<?> c) {
        return c == String.class || c == Integer.class || c == Long.class || c == Short.class || c == Byte.class
                || c == Character.class || c == Boolean.class || c == Float.class || c == Double.class;
    }

    /**
     * Kryo's resolver, minus class names: Kryo would otherwise read a class name from the stream and
     * load that class before noticing it is unregistered.
     */
    private static final class RegisteredOnlyResolver extends DefaultClassResolver {
        @Override
        protected Registration readName(Input input) {
            throw new KryoException("class names are not accepted on the wire, only registered class ids");
        }
    }
}
