package io.kvorum.bench;

/** The measured phases of one engine's round, in the order they run. */
enum Phase {
    /** Every key put once, in random order. Latency per put. */
    WRITE("write", "ops/s"),
    /** Uniformly random point reads of existing keys. Latency per get. */
    READ("read", "ops/s"),
    /** One full ordered scan; its rate is records per second, and it has no per-operation latency. */
    SCAN("scan", "rec/s");

    private final String label;
    private final String rateUnit;

    Phase(String label, String rateUnit) {
        this.label = label;
        this.rateUnit = rateUnit;
    }

    String label() {
        return label;
    }

    String rateUnit() {
        return rateUnit;
    }
}
