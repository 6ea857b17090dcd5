package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.core.Consistency;
import io.kvorum.core.Durations;
import io.kvorum.core.NodeId;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values as people type them, for the kvorum CLI and the other command lines (the cluster
 * benchmark). A value that does not parse is a usage error (exit 2) with the reason, not a failure
 * of the request.
 */
public final class Converters {
    private Converters() {
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, or a bare number of milliseconds; above zero. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d;
            try {
                d = Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            if (d.isZero()) {
                throw new TypeConversionException("'" + value + "' (expected: a duration above zero)");
            }
            return d;
        }
    }

    /** {@code one}, {@code quorum}, {@code all} or a number of replicas. */
    public static final class ConsistencyConverter implements ITypeConverter<Consistency> {
        @Override
        public Consistency convert(String value) {
            try {
                return Consistency.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: one, quorum, all or a number >= 1)");
            }
        }
    }

    /** A node id as kvorum-admin status prints it. */
    static final class NodeIdConverter implements ITypeConverter<NodeId> {
        @Override
        public NodeId convert(String value) {
            try {
                return NodeId.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: a node id as kvorum-admin status"
                        + " prints it, 16 hex digits)");
            }
        }
    }

    /** The text a get printed after {@code context:}. */
    static final class ContextConverter implements ITypeConverter<Context> {
        @Override
        public Context convert(String value) {
            try {
                return Context.fromBase64(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
