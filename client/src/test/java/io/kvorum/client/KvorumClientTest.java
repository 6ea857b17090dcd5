package io.kvorum.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a fake three-node cluster of real servers on loopback. */
class KvorumClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeCluster cluster = new FakeCluster(3);
    private final List<KvorumClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(KvorumClient::close);
        cluster.close();
    }

    private KvorumClient connect(String... seeds) {
        return connect(KvorumClient.builder().seeds(seeds));
    }

    private KvorumClient connect(KvorumClient.Builder b) {
        KvorumClient c = b.build();
        clients.add(c);
        return c;
    }

    private static String deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------ data model

    @Test
    void putGetDeleteRoundTrip() {
        KvorumClient kv = connect(cluster.seeds());

        Context written = kv.put("greeting", "hello");
        GetResult read = kv.get("greeting");

        assertThat(read.found()).isTrue();
        assertThat(read.hasSiblings()).isFalse();
        assertThat(read.valueAsString()).isEqualTo("hello");
        assertThat(read.value()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(read.siblings()).singleElement().satisfies(s -> {
            assertThat(s.isTombstone()).isFalse();
            assertThat(s.timestampMillis()).isPositive();
        });
        assertThat(read.context()).isEqualTo(written).isNotEqualTo(Context.empty());

        Context deleted = kv.delete("greeting", read.context());
        GetResult gone = kv.get("greeting");

        assertThat(gone.found()).isFalse();
        assertThat(gone.values()).isEmpty();
        assertThat(gone.context()).isEqualTo(deleted).isNotEqualTo(Context.empty());
        assertThat(gone.siblings()).singleElement().satisfies(s -> assertThat(s.isTombstone()).isTrue());
        assertThatThrownBy(gone::valueAsString).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'greeting' was not found");
    }

    @Test
    void aKeyNeverWrittenIsNotFoundWithTheEmptyContext() {
        KvorumClient kv = connect(cluster.seeds());

        GetResult read = kv.get("never-written");

        assertThat(read.found()).isFalse();
        assertThat(read.siblings()).isEmpty();
        assertThat(read.context()).isEqualTo(Context.empty());
    }

    @Test
    void blindWritesBecomeSiblingsAndAWriteWithTheReadsContextResolvesThem() {
        KvorumClient kv = connect(cluster.seeds());
        kv.put("cart", "apples");
        kv.put("cart", "pears");

        GetResult both = kv.get("cart");

        assertThat(both.hasSiblings()).isTrue();
        assertThat(both.valuesAsStrings()).containsExactlyInAnyOrder("apples", "pears");
        assertThat(both.siblings()).extracting(Sibling::dot).doesNotHaveDuplicates();
        assertThatThrownBy(both::valueAsString).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 2 sibling values").hasMessageContaining("context()");

        kv.put("cart", "apples,pears", both.context(), WriteOptions.quorum());

        assertThat(kv.get("cart").valuesAsStrings()).containsExactly("apples,pears");
    }

    @Test
    void theContextAWriteReturnsLetsTheNextWriteReplaceItWithoutReading() {
        KvorumClient kv = connect(cluster.seeds());

        Context first = kv.put("counter", "1");
        kv.put("counter", "2", first, WriteOptions.one());

        assertThat(kv.get("counter").valuesAsStrings()).containsExactly("2");
    }

    @Test
    void aBlindDeleteLeavesTheValueAsASibling() {
        KvorumClient kv = connect(cluster.seeds());
        kv.put("k", "v");

        kv.delete("k", Context.empty());
        GetResult read = kv.get("k");

        assertThat(read.found()).isTrue();
        assertThat(read.valuesAsStrings()).containsExactly("v");
        assertThat(read.siblings()).hasSize(2).anySatisfy(s -> assertThat(s.isTombstone()).isTrue());
    }

    @Test
    void bytesKeysAndAsyncCallsWork() throws Exception {
        KvorumClient kv = connect(cluster.seeds());
        byte[] key = {1, 2, 3};
        byte[] value = {(byte) 0xff, 0};

        Context ctx = kv.putAsync(key, value, Context.empty(), WriteOptions.all()).get(10, TimeUnit.SECONDS);
        value[0] = 7; // the client copied it
        GetResult read = kv.getAsync(key, ReadOptions.all()).get(10, TimeUnit.SECONDS);

        assertThat(read.value()).containsExactly((byte) 0xff, 0);
        assertThat(read.context()).isEqualTo(ctx);
        kv.deleteAsync(key, read.context(), WriteOptions.quorum()).get(10, TimeUnit.SECONDS);
        assertThat(kv.get(key, ReadOptions.one()).found()).isFalse();
    }

    // --------------------------------------------------------------------------------- routing

    @Test
    void eachRequestGoesToTheFirstReplicaOfItsKey() {
        KvorumClient kv = connect(cluster.node(0).address());

        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String key = "key-" + i;
            keys.add(key);
            kv.put(key, "v" + i);
            kv.get(key);
        }

        for (FakeCluster.Node node : cluster.nodes()) {
            List<String> expected = new ArrayList<>();
            for (String key : keys) {
                if (cluster.replica(key, 0) == node) {
                    expected.add(key);
                    expected.add(key);
                }
            }
            assertThat(node.keysReceived()).as("keys whose first replica is %s", node.id)
                    .containsExactlyElementsOf(expected);
        }
        // The keys spread over every node, so the test shows routing, not one lucky node.
        assertThat(cluster.nodes()).allSatisfy(n -> assertThat(n.dataRequests()).isNotEmpty());
    }

    @Test
    void whenTheFirstReplicaIsDownRequestsGoToTheNextAndSucceed() {
        KvorumClient kv = connect(cluster.seeds());
        kv.put("k", "before");
        FakeCluster.Node first = cluster.replica("k", 0);
        FakeCluster.Node second = cluster.replica("k", 1);
        int atFirst = first.dataRequests().size();
        long ringAsked = cluster.nodes().stream().mapToLong(FakeCluster.Node::ringRequests).sum();

        first.stop();

        assertThat(kv.get("k").valueAsString()).isEqualTo("before");
        Await.until("the client asks for the ring after failing to reach a node", WAIT,
                () -> cluster.nodes().stream().mapToLong(FakeCluster.Node::ringRequests).sum() > ringAsked);
        kv.put("k", "after", kv.get("k").context(), WriteOptions.quorum());
        assertThat(kv.get("k").valueAsString()).isEqualTo("after");
        assertThat(second.keysReceived()).hasSize(4).containsOnly("k");
        assertThat(first.dataRequests()).hasSize(atFirst);
    }

    @Test
    void aNodeTheRingReportsDownIsNotAsked() {
        KvorumClient kv = connect(cluster.seeds());
        FakeCluster.Node first = cluster.replica("k", 0);
        first.reportUp(false);
        kv.fetchRing();

        kv.put("k", "v");

        assertThat(first.dataRequests()).isEmpty();
        assertThat(cluster.replica("k", 1).keysReceived()).containsExactly("k");
    }

    @Test
    void whenEveryNodeIsDownRequestsFailAsPeerUnavailable() {
        KvorumClient kv = connect(cluster.seeds());
        cluster.nodes().forEach(FakeCluster.Node::stop);

        assertThatThrownBy(() -> kv.get("k")).isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("get of key 'k' failed: no Kvorum node could be reached")
                .hasMessageContaining(cluster.node(0).address());
    }

    @Test
    void aSeedThatIsDownIsSkippedAtConnect() throws IOException {
        KvorumClient kv = connect(deadAddress(), cluster.node(1).address());

        kv.put("k", "v");

        assertThat(kv.get("k").valueAsString()).isEqualTo("v");
        assertThat(kv.replicationFactor()).isEqualTo(FakeCluster.REPLICATION_FACTOR);
    }

    @Test
    void connectFailsWhenNoSeedAnswers() throws IOException {
        String dead = deadAddress();

        assertThatThrownBy(() -> KvorumClient.connect(dead)).isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("cannot reach any Kvorum node").hasMessageContaining(dead);
    }

    @Test
    void credentialsAreCheckedAndARefusalIsNotFailedOver() {
        try (FakeCluster secured = new FakeCluster(3, Map.of("app", "s3cret"))) {
            KvorumClient kv = connect(KvorumClient.builder().seeds(secured.seeds()).credentials("app", "s3cret"));
            kv.put("k", "v");
            assertThat(kv.get("k").valueAsString()).isEqualTo("v");

            assertThatThrownBy(() -> connect(KvorumClient.builder().seeds(secured.seeds())
                    .credentials("app", "wrong"))).isInstanceOf(UnauthorizedException.class)
                    .hasMessageContaining("authentication failed for user 'app'");
            assertThat(secured.node(1).ringRequests()).isZero();
        }
    }

    @Test
    void theRingIsRefreshedPeriodically() {
        KvorumClient kv = connect(KvorumClient.builder().seeds(cluster.seeds())
                .ringRefreshPeriod(Duration.ofMillis(50)));
        FakeCluster.Node first = cluster.replica("k", 0);
        first.reportUp(false);
        long asked = cluster.nodes().stream().mapToLong(FakeCluster.Node::ringRequests).sum();

        Await.until("the client asks for the ring again", WAIT,
                () -> cluster.nodes().stream().mapToLong(FakeCluster.Node::ringRequests).sum() >= asked + 2);
        kv.put("k", "v");

        assertThat(first.dataRequests()).isEmpty();
    }

    // ---------------------------------------------------------------------------------- errors

    @Test
    void theClustersTypedErrorsArriveAsTheSameTypes() {
        KvorumClient kv = connect(cluster.seeds());
        cluster.nodes().forEach(n -> n.answerWith(request -> CompletableFuture.failedFuture(
                request instanceof GetRequest ? UnavailableException.of("read at R=QUORUM (n=3)", 2, 1)
                        : ((PutRequest) request).isDelete() ? new InvalidRequestException("key too long")
                        : new RequestTimeoutException("write", 2, 1, 100, true))));

        assertThatThrownBy(() -> kv.get("k")).isInstanceOfSatisfying(UnavailableException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("read at R=QUORUM (n=3) needs 2 replicas up but only 1 are;"
                    + " nothing was sent");
            assertThat(e.required()).isEqualTo(2);
            assertThat(e.alive()).isEqualTo(1);
        });
        assertThatThrownBy(() -> kv.put("k", "v")).isInstanceOfSatisfying(RequestTimeoutException.class, e -> {
            assertThat(e.getMessage()).contains("1 of 2 required replicas").contains("may still have been applied");
            assertThat(e.acknowledged()).isEqualTo(1);
        });
        assertThatThrownBy(() -> kv.delete("k", Context.empty())).isInstanceOf(InvalidRequestException.class)
                .hasMessage("key too long");
        // None of these is a reason to try another node.
        assertThat(cluster.dataRequests()).isEqualTo(3);
    }

    @Test
    void optionsThatCanNeverSucceedAreRefusedBeforeSending() {
        KvorumClient kv = connect(cluster.seeds());

        assertThatThrownBy(() -> kv.get("k", ReadOptions.r(3).n(2))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("r: 3 needs 3 replicas (expected: <= n = 2)");
        assertThatThrownBy(() -> kv.put("k", "v", Context.empty(), WriteOptions.quorum().n(4)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("n: 4 (expected: <= the replication factor 3)");
        assertThatThrownBy(() -> kv.get("")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("key is empty");
        assertThat(kv.getAsync("k", ReadOptions.all().n(1).r(io.kvorum.core.Consistency.of(2))))
                .isCompletedExceptionally();
        assertThatThrownBy(() -> kv.put("k", new byte[17 << 20])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes");
        assertThat(cluster.dataRequests()).isZero();
    }

    @Test
    void aRequestNoNodeAnswersTimesOutAndAWriteSaysItMayHaveBeenApplied() {
        KvorumClient kv = connect(cluster.seeds());
        cluster.nodes().forEach(n -> n.answerWith(request -> new CompletableFuture<>()));
        Duration timeout = Duration.ofMillis(100);

        assertThatThrownBy(() -> kv.get("k", ReadOptions.one().timeout(timeout)))
                .isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("get of key 'k' got no answer from " + cluster.replica("k", 0).address())
                .hasMessageNotContaining("applied");
        assertThatThrownBy(() -> kv.put("k", "v", Context.empty(), WriteOptions.one().timeout(timeout)))
                .isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("the write may still have been applied");
        assertThat(cluster.dataRequests()).isEqualTo(2);
    }

    @Test
    void aClosedClientRefusesCalls() {
        KvorumClient kv = connect(cluster.seeds());
        kv.close();
        kv.close();

        assertThatThrownBy(() -> kv.get("k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> kv.putAsync("k", new byte[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderRejectsBadSettingsWithTheValue() {
        assertThatThrownBy(() -> KvorumClient.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seeds: none");
        assertThatThrownBy(() -> KvorumClient.connect("host:99999")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("99999");
        assertThatThrownBy(() -> KvorumClient.builder().connectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout ms: 0");
    }
}
