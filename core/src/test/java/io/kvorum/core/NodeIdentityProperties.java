package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class NodeIdentityProperties {

    /** A run of a node: how many dots it hands out, and whether it then shuts down cleanly or crashes. */
    record Run(int dots, boolean clean) {
    }

    @Provide
    Arbitrary<List<Run>> lives() {
        return Arbitraries.integers().between(0, 50).flatMap(n -> Arbitraries.of(true, false).map(c -> new Run(n, c)))
                .list().ofMinSize(1).ofMaxSize(12);
    }

    /**
     * Over any sequence of runs ending cleanly or in a crash: one node id throughout, every dot
     * distinct, counters strictly increasing across runs, and a new epoch exactly after each crash.
     */
    @Property(tries = 50)
    void aDotIsNeverHandedOutTwice(@ForAll("lives") List<Run> runs) throws IOException {
        Path dir = Files.createTempDirectory("kvorum-identity-");
        try {
            RandomSource random = RandomSource.seeded(runs.size());
            Set<Dot> seen = new HashSet<>();
            NodeId node = null;
            long lastCounter = 0;
            int expectedEpoch = 0;
            boolean previousClean = true;
            for (Run run : runs) {
                NodeIdentity id = NodeIdentity.open(dir, random);
                node = node == null ? id.nodeId() : node;
                assertThat(id.nodeId()).isEqualTo(node);
                if (!previousClean) {
                    expectedEpoch++;
                }
                assertThat(id.actor().epoch()).isEqualTo(expectedEpoch);
                assertThat(id.startedClean()).isEqualTo(previousClean);
                for (int i = 0; i < run.dots(); i++) {
                    Dot d = id.nextDot();
                    assertThat(seen.add(d)).as("dot %s handed out twice", d).isTrue();
                    assertThat(d.counter()).isGreaterThan(lastCounter);
                    lastCounter = d.counter();
                }
                if (run.clean()) {
                    id.close();
                }
                previousClean = run.clean();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
