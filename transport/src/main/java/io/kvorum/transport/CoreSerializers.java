package io.kvorum.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.kvorum.core.Actor;
import io.kvorum.core.ByteReader;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.Failure;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * Kryo serializers for the JDK and core types that messages carry, written for untrusted input.
 *
 * <p>Kryo's stock serializers trust the lengths they read: a byte array, string or list announces
 * its size and Kryo allocates it before reading a single element, so eight garbage bytes can ask
 * for a 2 GiB array. Every serializer here checks a length against the bytes actually left in the
 * frame first (each element takes at least one byte), so no frame can make the node allocate more
 * than a small multiple of its own size. Core values use their own validated encodings
 * ({@link RecordCodec}, {@link ContextCodec}) or constructors, so a decoded value obeys the same
 * invariants as one made locally.
 */
final class CoreSerializers {
    private CoreSerializers() {
    }

    /** Bytes left in the frame being read. Inputs are always array-backed with the frame's exact limit. */
    static int remaining(Input input) {
        return input.limit() - input.position();
    }

    /** Reads a count or length of items at least {@code minBytesEach} long, refusing any that cannot fit. */
    static int readLength(Input input, int minBytesEach, String what) {
        int n = input.readVarInt(true);
        if (n < 0 || (long) n * minBytesEach > remaining(input)) {
            throw new KryoException(what + " length " + Integer.toUnsignedString(n) + " exceeds the "
                    + remaining(input) + " bytes left in the frame");
        }
        return n;
    }

    static final class BytesSerializer extends Serializer<byte[]> {
        BytesSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, byte[] bytes) {
            output.writeVarInt(bytes.length, true);
            output.writeBytes(bytes);
        }

        @Override
        public byte[] read(Kryo kryo, Input input, Class<? extends byte[]> type) {
            return input.readBytes(readLength(input, 1, "byte array"));
        }
    }

    static final class LongsSerializer extends Serializer<long[]> {
        LongsSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, long[] values) {
            output.writeVarInt(values.length, true);
            output.writeLongs(values, 0, values.length);
        }

        @Override
        public long[] read(Kryo kryo, Input input, Class<? extends long[]> type) {
            return input.readLongs(readLength(input, 8, "long array"));
        }
    }

    static final class IntsSerializer extends Serializer<int[]> {
        IntsSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, int[] values) {
            output.writeVarInt(values.length, true);
            output.writeInts(values, 0, values.length);
        }

        @Override
        public int[] read(Kryo kryo, Input input, Class<? extends int[]> type) {
            return input.readInts(readLength(input, 4, "int array"));
        }
    }

    /** UTF-8 with a byte-length prefix; Kryo's own format reads a char count it has not checked. */
    static final class StringSerializer extends Serializer<String> {
        StringSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            output.writeVarInt(utf8.length, true);
            output.writeBytes(utf8);
        }

        @Override
        public String read(Kryo kryo, Input input, Class<? extends String> type) {
            int n = readLength(input, 1, "string");
            String s = new String(input.getBuffer(), input.position(), n, StandardCharsets.UTF_8);
            input.setPosition(input.position() + n);
            return s;
        }
    }

    /**
     * Any list as size and elements (each with its class). {@code finish} turns the ArrayList read
     * into the kind the registered class stands for: kept for {@code ArrayList}, made unmodifiable
     * for the immutable and unmodifiable lists, which records usually hold.
     */
    static final class ListSerializer extends Serializer<List<?>> {
        private final UnaryOperator<List<Object>> finish;

        ListSerializer(UnaryOperator<List<Object>> finish) {
            super(false, true);
            this.finish = finish;
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object e : list) {
                kryo.writeClassAndObject(output, e);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int n = readLength(input, 1, "list");
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(kryo.readClassAndObject(input));
            }
            return finish.apply(list);
        }
    }

    /** Any set, as {@link ListSerializer}; {@code make} gives the set to fill, {@code finish} what to hand out. */
    static final class SetSerializer extends Serializer<Set<?>> {
        private final IntFunction<Set<Object>> make;
        private final UnaryOperator<Set<Object>> finish;

        SetSerializer(IntFunction<Set<Object>> make, UnaryOperator<Set<Object>> finish) {
            super(false, true);
            this.make = make;
            this.finish = finish;
        }

        @Override
        public void write(Kryo kryo, Output output, Set<?> set) {
            requireNaturalOrder(set);
            output.writeVarInt(set.size(), true);
            for (Object e : set) {
                kryo.writeClassAndObject(output, e);
            }
        }

        @Override
        public Set<?> read(Kryo kryo, Input input, Class<? extends Set<?>> type) {
            int n = readLength(input, 1, "set");
            Set<Object> set = make.apply(n);
            for (int i = 0; i < n; i++) {
                set.add(kryo.readClassAndObject(input));
            }
            return finish.apply(set);
        }
    }

    /** Any map as size and key/value pairs, as {@link SetSerializer}. */
    static final class MapSerializer extends Serializer<Map<?, ?>> {
        private final IntFunction<Map<Object, Object>> make;
        private final UnaryOperator<Map<Object, Object>> finish;

        MapSerializer(IntFunction<Map<Object, Object>> make, UnaryOperator<Map<Object, Object>> finish) {
            super(false, true);
            this.make = make;
            this.finish = finish;
        }

        @Override
        public void write(Kryo kryo, Output output, Map<?, ?> map) {
            requireNaturalOrder(map);
            output.writeVarInt(map.size(), true);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
            int n = readLength(input, 2, "map");
            Map<Object, Object> map = make.apply(n);
            for (int i = 0; i < n; i++) {
                map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
            }
            return finish.apply(map);
        }
    }

    /** A sorted collection's comparator cannot cross the wire; the receiver sorts naturally. */
    private static void requireNaturalOrder(Object collection) {
        if ((collection instanceof TreeSet<?> s && s.comparator() != null)
                || (collection instanceof TreeMap<?, ?> m && m.comparator() != null)) {
            throw new KryoException("a sorted collection with a comparator cannot be sent: " + collection.getClass());
        }
    }

    static ListSerializer mutableList() {
        return new ListSerializer(l -> l);
    }

    static ListSerializer unmodifiableList() {
        return new ListSerializer(Collections::unmodifiableList);
    }

    static SetSerializer set(Class<?> type) {
        if (type == HashSet.class) {
            return new SetSerializer(HashSet::new, s -> s);
        }
        if (type == LinkedHashSet.class) {
            return new SetSerializer(LinkedHashSet::new, s -> s);
        }
        if (type == TreeSet.class) {
            return new SetSerializer(n -> new TreeSet<>(), s -> s);
        }
        return new SetSerializer(LinkedHashSet::new, Collections::unmodifiableSet);
    }

    static MapSerializer map(Class<?> type) {
        if (type == HashMap.class) {
            return new MapSerializer(HashMap::new, m -> m);
        }
        if (type == LinkedHashMap.class) {
            return new MapSerializer(LinkedHashMap::new, m -> m);
        }
        if (type == TreeMap.class) {
            return new MapSerializer(n -> new TreeMap<>(), m -> m);
        }
        return new MapSerializer(LinkedHashMap::new, Collections::unmodifiableMap);
    }

    static final class KeySerializer extends Serializer<Key> {
        KeySerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Key key) {
            byte[] bytes = key.toByteArray();
            output.writeVarInt(bytes.length, true);
            output.writeBytes(bytes);
        }

        @Override
        public Key read(Kryo kryo, Input input, Class<? extends Key> type) {
            return Key.of(input.readBytes(readLength(input, 1, "key")));
        }
    }

    static final class NodeIdSerializer extends Serializer<NodeId> {
        NodeIdSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, NodeId id) {
            output.writeLong(id.value());
        }

        @Override
        public NodeId read(Kryo kryo, Input input, Class<? extends NodeId> type) {
            return new NodeId(input.readLong());
        }
    }

    static final class ActorSerializer extends Serializer<Actor> {
        ActorSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Actor actor) {
            writeActor(output, actor);
        }

        @Override
        public Actor read(Kryo kryo, Input input, Class<? extends Actor> type) {
            return readActor(input);
        }
    }

    static final class DotSerializer extends Serializer<Dot> {
        DotSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Dot dot) {
            writeActor(output, dot.actor());
            output.writeVarLong(dot.counter(), true);
        }

        @Override
        public Dot read(Kryo kryo, Input input, Class<? extends Dot> type) {
            return new Dot(readActor(input), input.readVarLong(true));
        }
    }

    private static void writeActor(Output output, Actor actor) {
        output.writeLong(actor.node().value());
        output.writeVarInt(actor.epoch(), true);
    }

    private static Actor readActor(Input input) {
        return new Actor(new NodeId(input.readLong()), input.readVarInt(true));
    }

    /** Through {@link ContextCodec}: the same checked, checksummed form clients hold. */
    static final class VersionVectorSerializer extends Serializer<VersionVector> {
        VersionVectorSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, VersionVector vector) {
            byte[] framed = ContextCodec.encode(vector);
            output.writeVarInt(framed.length, true);
            output.writeBytes(framed);
        }

        @Override
        public VersionVector read(Kryo kryo, Input input, Class<? extends VersionVector> type) {
            try {
                return ContextCodec.decode(input.readBytes(readLength(input, 1, "version vector")));
            } catch (CorruptDataException e) {
                throw new KryoException(e.getMessage());
            }
        }
    }

    /** Through {@link RecordCodec}'s body, the form the commit log and SSTables hold. */
    static final class RecordSerializer extends Serializer<Record> {
        RecordSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Record record) {
            byte[] body = new byte[RecordCodec.bodySize(record)];
            RecordCodec.writeBody(record, body, 0);
            output.writeVarInt(body.length, true);
            output.writeBytes(body);
        }

        @Override
        public Record read(Kryo kryo, Input input, Class<? extends Record> type) {
            int n = readLength(input, 1, "record");
            ByteReader reader = new ByteReader(input.getBuffer(), input.position(), n);
            try {
                Record r = RecordCodec.readBody(reader);
                if (reader.remaining() != 0) {
                    throw new KryoException("record body has " + reader.remaining() + " bytes left over");
                }
                return r;
            } catch (CorruptDataException e) {
                throw new KryoException("record: " + e.getMessage());
            } finally {
                input.setPosition(input.position() + n);
            }
        }
    }

    static final class TokenRangeSerializer extends Serializer<TokenRange> {
        TokenRangeSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, TokenRange range) {
            output.writeLong(range.start());
            output.writeLong(range.end());
        }

        @Override
        public TokenRange read(Kryo kryo, Input input, Class<? extends TokenRange> type) {
            return new TokenRange(input.readLong(), input.readLong());
        }
    }

    static final class FailureSerializer extends Serializer<Failure> {
        private static final Failure.Kind[] KINDS = Failure.Kind.values();

        FailureSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Failure failure) {
            output.writeVarInt(failure.kind().ordinal(), true);
            kryo.writeObjectOrNull(output, failure.message(), String.class);
            output.writeVarInt(failure.required(), false);
            output.writeVarInt(failure.responded(), false);
        }

        @Override
        public Failure read(Kryo kryo, Input input, Class<? extends Failure> type) {
            int kind = input.readVarInt(true);
            if (kind < 0 || kind >= KINDS.length) {
                throw new KryoException("failure kind " + kind + " (expected: 0.." + (KINDS.length - 1) + ")");
            }
            String message = kryo.readObjectOrNull(input, String.class);
            return new Failure(KINDS[kind], message, input.readVarInt(false), input.readVarInt(false));
        }
    }

    static final class UuidSerializer extends Serializer<UUID> {
        UuidSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, UUID uuid) {
            output.writeLong(uuid.getMostSignificantBits());
            output.writeLong(uuid.getLeastSignificantBits());
        }

        @Override
        public UUID read(Kryo kryo, Input input, Class<? extends UUID> type) {
            return new UUID(input.readLong(), input.readLong());
        }
    }

    /**
     * An address as its raw IP and port, or as an unresolved host name and port. Never resolved on
     * reading: a DNS lookup would block the event loop, and a peer must not be able to make us do one.
     */
    static final class SocketAddressSerializer extends Serializer<InetSocketAddress> {
        SocketAddressSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, InetSocketAddress address) {
            InetAddress ip = address.getAddress();
            if (ip == null) {
                output.writeByte(0);
                kryo.writeObject(output, address.getHostString());
            } else {
                byte[] raw = ip.getAddress();
                output.writeByte(raw.length);
                output.writeBytes(raw);
            }
            output.writeVarInt(address.getPort(), true);
        }

        @Override
        public InetSocketAddress read(Kryo kryo, Input input, Class<? extends InetSocketAddress> type) {
            int ipBytes = input.readByteUnsigned();
            if (ipBytes == 0) {
                String host = kryo.readObject(input, String.class);
                return InetSocketAddress.createUnresolved(host, input.readVarInt(true));
            }
            if (ipBytes != 4 && ipBytes != 16) {
                throw new KryoException("IP address of " + ipBytes + " bytes (expected: 4 or 16)");
            }
            try {
                InetAddress ip = InetAddress.getByAddress(input.readBytes(ipBytes));
                return new InetSocketAddress(ip, input.readVarInt(true));
            } catch (UnknownHostException e) {
                throw new KryoException(e.getMessage());
            }
        }
    }
}
