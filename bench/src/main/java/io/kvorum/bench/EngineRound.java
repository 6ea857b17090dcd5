package io.kvorum.bench;

/**
 * Everything measured for one engine in one round. Besides the three phases: how long the flush
 * after the writes took (the work an engine deferred from its write path) and how many bytes its
 * directory held after it (its space use for the same data).
 */
record EngineRound(String engine, int round, PhaseResult write, long flushNanos, long diskBytes,
                   PhaseResult read, PhaseResult scan) {

    PhaseResult phase(Phase phase) {
        switch (phase) {
            case WRITE:
                return write;
            case READ:
                return read;
            case SCAN:
                return scan;
            default:
                throw new AssertionError(phase);
        }
    }
}
