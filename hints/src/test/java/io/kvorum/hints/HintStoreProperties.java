package io.kvorum.hints;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * The hint store against a model (see {@link HintStoreHarness} for what is checked) under random
 * sequences of adds to three targets (durable or not, small, large and larger than a segment, some
 * created long ago), reads from the start or from the last batch's end, acknowledgements, truncations,
 * syncs, time passing, clean restarts, crashes that destroy what was not fsynced at a random byte,
 * and flipped bytes in segments.
 */
class HintStoreProperties {

    @Property(tries = 100)
    void theStoreAgreesWithTheModelThroughBoundsDeliveriesCrashesAndDamage(
            @ForAll("chains") ActionChain<HintStoreHarness> chain) {
        AtomicReference<HintStoreHarness> last = new AtomicReference<>();
        try {
            chain.peek(last::set).run();
        } finally {
            if (last.get() != null) {
                last.get().close();
            }
        }
    }

    @Provide
    Arbitrary<ActionChain<HintStoreHarness>> chains() {
        return ActionChain.startWith(HintStoreHarness::new)
                .withAction(12, new AddAction())
                .withAction(5, new NextAction())
                .withAction(4, new AcknowledgeAction())
                .withAction(1, step(Arbitraries.integers().between(0, 2), t -> "truncate " + t, (h, t) -> h.truncate(t)))
                .withAction(1, Action.just(Transformer.mutate("sync", h -> checked(h, HintStoreHarness::sync))))
                .withAction(2, step(Arbitraries.longs().between(1, 2 * HintStoreHarness.WINDOW_MS),
                        ms -> "advance " + ms + "ms", (h, ms) -> h.advanceClock(ms)))
                .withAction(1, Action.just(Transformer.mutate("reopen", h -> checked(h, HintStoreHarness::reopen))))
                .withAction(2, step(Arbitraries.longs(), seed -> "crash(" + seed + ")", (h, seed) -> {
                    try {
                        h.crash(seed);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }))
                .withAction(1, step(Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.longs())
                        .as(Tuple::of), p -> "flip " + p.get1() + " (" + p.get2() + ")", (h, p) -> {
                    try {
                        h.flip(p.get1(), p.get2());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }))
                .withMaxTransformations(50);
    }

    private interface Step<T> {
        void run(HintStoreHarness h, T value);
    }

    private static <T> Action.Independent<HintStoreHarness> step(Arbitrary<T> values,
                                                                 Function<T, String> describe,
                                                                 Step<T> step) {
        return () -> values.map(v -> Transformer.mutate(describe.apply(v), h -> {
            step.run(h, v);
            h.checkInvariants();
        }));
    }

    private static void checked(HintStoreHarness h, Consumer<HintStoreHarness> step) {
        step.accept(h);
        h.checkInvariants();
    }

    private static final class AddAction implements Action.Independent<HintStoreHarness> {
        @Override
        public Arbitrary<Transformer<HintStoreHarness>> transformer() {
            Arbitrary<Integer> bytes = Arbitraries.frequencyOf(
                    Tuple.of(12, Arbitraries.integers().between(0, 400)),
                    Tuple.of(1, Arbitraries.integers().between(3000, 5000)));
            Arbitrary<Long> age = Arbitraries.frequencyOf(
                    Tuple.of(10, Arbitraries.just(0L)),
                    Tuple.of(1, Arbitraries.longs().between(0, 2 * HintStoreHarness.WINDOW_MS)));
            return Combinators.combine(Arbitraries.integers().between(0, 2), bytes, age, Arbitraries.of(false, false, true))
                    .as((target, size, ageMs, durable) -> Transformer.mutate(
                            "add " + target + " " + size + "B" + (ageMs > 0 ? " aged " + ageMs + "ms" : "")
                                    + (durable ? " durable" : ""), h -> {
                                h.add(target, size, ageMs, durable);
                                h.checkInvariants();
                            }));
        }
    }

    private static final class NextAction implements Action.Independent<HintStoreHarness> {
        @Override
        public Arbitrary<Transformer<HintStoreHarness>> transformer() {
            return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.of(true, false),
                            Arbitraries.integers().between(1, 3000))
                    .as((target, fromLast, maxBytes) -> Transformer.mutate(
                            "next " + target + (fromLast ? " from the last batch" : " from the start") + " up to "
                                    + maxBytes + "B", h -> {
                                h.next(target, fromLast, maxBytes);
                                h.checkInvariants();
                            }));
        }
    }

    private static final class AcknowledgeAction implements Action.Independent<HintStoreHarness> {
        @Override
        public Arbitrary<Transformer<HintStoreHarness>> transformer() {
            return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 20))
                    .as((target, pick) -> Transformer.mutate("acknowledge " + target + " #" + pick, h -> {
                        h.acknowledge(target, pick);
                        h.checkInvariants();
                    }));
        }
    }
}
