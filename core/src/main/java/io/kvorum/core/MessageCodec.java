package io.kvorum.core;

/**
 * Turns a {@link Message} into the bytes that would cross the wire and back.
 *
 * <p>Why a seam in core: the wire codec lives in {@code transport} (Kryo, registered classes only),
 * but the simulated bus lives in {@code sim}, which must not depend on Netty or Kryo. Handing the
 * simulated network a codec lets every simulated message take the same trip through the real
 * encoding, so a message the real bus would refuse (an unregistered class, a component Kryo cannot
 * write, a frame above the size limit) fails in simulation too, instead of first failing in
 * production. A decoded message is a fresh object: no two simulated nodes ever share one, as no two
 * real nodes can.
 *
 * <p>Thread-safe.
 */
public interface MessageCodec {

    /**
     * The bytes of {@code message}, as they would travel.
     *
     * @throws IllegalArgumentException when its class, or a class inside it, cannot be encoded
     * @throws SizeLimitExceededException when it is larger than the codec allows
     */
    byte[] encode(Message message);

    /**
     * The message {@code bytes} hold: equal to the one encoded, never the same instance.
     *
     * @throws CorruptDataException when the bytes are not a message this codec knows
     */
    Message decode(byte[] bytes);
}
