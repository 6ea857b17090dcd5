package io.kvorum.core;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * The source of randomness for protocol code (gossip peer choice, token choice, jitter, ids).
 *
 * <p>Simulation passes a seeded source so that a run replays from its seed; nothing in protocol
 * code may call {@code Math.random} or {@code ThreadLocalRandom}. Implementations need not be
 * thread-safe: give each component its own source, split from a parent with {@link #split()}.
 */
public interface RandomSource {

    long nextLong();

    /** A uniformly distributed int in {@code [0, bound)}. */
    int nextInt(int bound);

    /** A uniformly distributed double in {@code [0, 1)}. */
    double nextDouble();

    /** An independent source derived from this one, for handing to another component. */
    RandomSource split();

    /** A deterministic source: the same seed gives the same sequence. */
    static RandomSource seeded(long seed) {
        return new SplittableRandomSource(new SplittableRandom(seed));
    }

    /** A source seeded from the operating system's entropy, for production use. */
    static RandomSource fromEntropy() {
        return seeded(new SecureRandom().nextLong());
    }
}

/** {@link RandomSource} over {@link SplittableRandom}, whose {@code split} gives independent streams. */
final class SplittableRandomSource implements RandomSource {
    private final SplittableRandom random;

    SplittableRandomSource(SplittableRandom random) {
        this.random = random;
    }

    @Override
    public long nextLong() {
        return random.nextLong();
    }

    @Override
    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    @Override
    public double nextDouble() {
        return random.nextDouble();
    }

    @Override
    public RandomSource split() {
        return new SplittableRandomSource(random.split());
    }
}
