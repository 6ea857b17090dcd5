package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.core.Consistency;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values as people type them. A value that does not parse is a usage error (exit 2) with
 * the reason, not a failure of the request.
 */
final class Converters {
    private Converters() {
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, or a bare number of milliseconds; above zero. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)?");

        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' (expected: a duration such as 500ms, 2s or 1m)");
            }
            long amount = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2);
            Duration d = switch (unit) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofMillis(amount);
            };
            if (d.isZero()) {
                throw new TypeConversionException("'" + value + "' (expected: a duration above zero)");
            }
            return d;
        }
    }

    /** {@code one}, {@code quorum}, {@code all} or a number of replicas. */
    static final class ConsistencyConverter implements ITypeConverter<Consistency> {
        @Override
        public Consistency convert(String value) {
            try {
                return Consistency.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: one, quorum, all or a number >= 1)");
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
