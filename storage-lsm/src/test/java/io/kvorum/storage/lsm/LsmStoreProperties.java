package io.kvorum.storage.lsm;

import io.kvorum.core.TokenRange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
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
 * The LSM store against a model, under random sequences of writes, reads, scans, flushes,
 * compactions, cleanups (some with a compaction in their middle), clean restarts, crashes that
 * cut the commit log's unsynced tail at a random byte, and crashes at a step of a cleanup (see
 * {@link StoreHarness} for what is checked).
 */
class LsmStoreProperties {

    @Property(tries = 40)
    void sizeTieredStoreAgreesWithTheModelThroughFlushesCompactionsAndCrashes(
            @ForAll("sizeTiered") ActionChain<StoreHarness> chain) {
        run(chain);
    }

    @Property(tries = 40)
    void leveledStoreAgreesWithTheModelThroughFlushesCompactionsAndCrashes(
            @ForAll("leveled") ActionChain<StoreHarness> chain) {
        run(chain);
    }

    private static void run(ActionChain<StoreHarness> chain) {
        AtomicReference<StoreHarness> last = new AtomicReference<>();
        try {
            chain.peek(last::set).run();
        } finally {
            if (last.get() != null) {
                last.get().close();
            }
        }
    }

    @Provide
    Arbitrary<ActionChain<StoreHarness>> sizeTiered() {
        return chains(CompactionStrategy.SIZE_TIERED);
    }

    @Provide
    Arbitrary<ActionChain<StoreHarness>> leveled() {
        return chains(CompactionStrategy.LEVELED);
    }

    private static Arbitrary<ActionChain<StoreHarness>> chains(CompactionStrategy strategy) {
        return ActionChain.startWith(() -> new StoreHarness(strategy))
                .withAction(8, new ApplyAction())
                .withAction(3, new ReadAction())
                .withAction(2, new ScanAction())
                .withAction(2, Action.just(Transformer.mutate("flush", h -> run(h, "flush", h::flush))))
                .withAction(1, Action.just(Transformer.mutate("compact", h -> run(h, "compact", h::compact))))
                .withAction(1, Action.just(Transformer.mutate("reopen", h -> run(h, "reopen", h::reopen))))
                .withAction(2, new CrashAction())
                .withAction(2, new RetainAction())
                .withAction(1, new CrashingRetainAction())
                .withMaxTransformations(40);
    }

    private static void run(StoreHarness h, String what, Runnable action) {
        h.note(what);
        action.run();
    }

    private static final class ApplyAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            Arbitrary<Integer> size = Arbitraries.integers().between(1, 3);
            return size.flatMap(n -> Combinators.combine(
                    Arbitraries.integers().between(0, StoreHarness.KEYS - 1).array(int[].class).ofSize(n),
                    Arbitraries.of(true, false).array(boolean[].class).ofSize(n),
                    Arbitraries.of(false, false, false, true).array(boolean[].class).ofSize(n),
                    Arbitraries.frequencyOf(
                            net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 200)),
                            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1000, 6000)))
                            .array(int[].class).ofSize(n),
                    Arbitraries.of(true, false))
                    .as((keys, readFirst, tombstone, bytes, durable) -> {
                        String d = "apply" + (durable ? "(durable) " : " ") + java.util.Arrays.toString(keys);
                        return Transformer.mutate(d, h -> {
                            h.note(d);
                            h.apply(keys, readFirst, tombstone, bytes, durable);
                        });
                    }));
        }
    }

    private static final class ReadAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            return Arbitraries.integers().between(0, StoreHarness.KEYS - 1)
                    .map(k -> Transformer.mutate("read " + k, h -> h.read(k)));
        }
    }

    private static final class ScanAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            Arbitrary<Long> tokens = Arbitraries.oneOf(Arbitraries.longs(),
                    Arbitraries.integers().between(0, StoreHarness.KEYS - 1).map(i -> StoreHarness.key(i).token()));
            return Combinators.combine(tokens, tokens)
                    .as((s, e) -> Transformer.mutate("scan (" + s + ", " + e + "]", h -> h.scan(s, e)));
        }
    }

    /** Ranges to keep: none, the whole ring, or one to three ranges with ends on keys' tokens or anywhere. */
    private static Arbitrary<List<TokenRange>> keptRanges() {
        Arbitrary<Long> tokens = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.integers().between(0, StoreHarness.KEYS - 1).map(i -> StoreHarness.key(i).token()));
        Arbitrary<TokenRange> range = Combinators.combine(tokens, tokens).as(TokenRange::of);
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(List.<TokenRange>of())),
                Tuple.of(1, Arbitraries.just(List.of(TokenRange.full()))),
                Tuple.of(8, range.list().ofMinSize(1).ofMaxSize(3)));
    }

    private static final class RetainAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            return Combinators.combine(keptRanges(), Arbitraries.of(false, false, true))
                    .as((keep, compactMidway) -> {
                        String d = "retainOnly " + keep + (compactMidway ? " with a compaction midway" : "");
                        return Transformer.mutate(d, h -> {
                            h.note(d);
                            h.retainOnly(keep, compactMidway);
                        });
                    });
        }
    }

    private static final class CrashingRetainAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            Arbitrary<String> points = Arbitraries.of(CrashPoints.CLEANUP_OUTPUT_WRITTEN,
                    CrashPoints.CLEANUP_COMMITTED, CrashPoints.CLEANUP_TABLE_DONE);
            return Combinators.combine(keptRanges(), points, Arbitraries.integers().between(1, 3), Arbitraries.longs())
                    .as((keep, point, nth, seed) -> {
                        String d = "retainOnly " + keep + " crashing at " + point + " #" + nth + " (" + seed + ")";
                        return Transformer.mutate(d, h -> {
                            h.note(d);
                            try {
                                h.crashDuringRetainOnly(keep, point, nth, seed);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
                    });
        }
    }

    private static final class CrashAction implements Action.Independent<StoreHarness> {
        @Override
        public Arbitrary<Transformer<StoreHarness>> transformer() {
            return Arbitraries.longs().map(seed -> Transformer.mutate("crash(" + seed + ")", h -> {
                h.note("crash(" + seed + ")");
                try {
                    h.crash(seed);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
    }
}
