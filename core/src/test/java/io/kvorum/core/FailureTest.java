package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A failure turns back into the typed exception it was made from, so errors cross the wire typed. */
class FailureTest {
    @Test
    void anUnauthorizedRefusalStaysTypedAndKeepsItsWords() {
        Failure f = Failure.of(new UnauthorizedException("user 'u' (role data) may not run CleanupRequest"));

        assertThat(f.kind()).isEqualTo(Failure.Kind.UNAUTHORIZED);
        assertThat(f.toException()).isExactlyInstanceOf(UnauthorizedException.class)
                .hasMessage("user 'u' (role data) may not run CleanupRequest");
    }

    @Test
    void everyKindsExceptionMakesThatKindAgain() {
        for (Failure.Kind kind : Failure.Kind.values()) {
            Failure f = new Failure(kind, "m", 2, 1);
            Failure.Kind back = Failure.of(f.toException()).kind();
            // TOO_LARGE is refused as an invalid request and INTERNAL reported as a node's error: both
            // collapse on purpose; every other kind survives the round trip.
            Failure.Kind expected = switch (kind) {
                case TOO_LARGE -> Failure.Kind.INVALID_REQUEST;
                case INTERNAL -> Failure.Kind.STORAGE;
                default -> kind;
            };
            assertThat(back).as(kind.name()).isEqualTo(expected);
        }
    }

    /** The wire carries a kind's ordinal: a new kind goes at the end, or old peers misread every later one. */
    @Test
    void kindsKeepTheirWireOrdinals() {
        assertThat(Failure.Kind.CORRUPT.ordinal()).isEqualTo(7);
        assertThat(Failure.Kind.UNAUTHORIZED.ordinal()).isEqualTo(8);
    }
}
