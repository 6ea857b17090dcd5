package io.kvorum.coordinator;

import java.util.concurrent.CompletionException;

/**
 * The one thing every part does with a failed future: look past the {@link CompletionException}
 * that {@code CompletableFuture} wraps around errors of dependent stages, so that error messages and
 * {@code instanceof} checks see the replica's own exception.
 */
final class Futures {
    private Futures() {
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
