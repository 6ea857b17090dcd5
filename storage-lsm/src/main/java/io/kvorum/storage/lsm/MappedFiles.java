package io.kvorum.storage.lsm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Releases memory mappings explicitly. The blocks of a deleted file are freed only when its last
 * mapping goes, and waiting for the garbage collector to unmap discarded segments and tables could
 * pin gigabytes of disk (JDK-4724038; Cassandra's {@code FileUtils.clean} does the same).
 *
 * <p>Unmapping is unchecked: touching the buffer afterwards crashes the JVM. Callers unmap only
 * what no thread can reach any more (reference counts, locks).
 */
final class MappedFiles {
    private static final MethodHandle INVOKE_CLEANER = findCleaner();

    private MappedFiles() {
    }

    private static MethodHandle findCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // mappings then go when the garbage collector finds them
        }
    }

    static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot unmap " + buffer, e);
        }
    }
}
