package io.kvorum.node;

import org.junit.jupiter.api.AfterEach;

/** An integration test that starts one {@link LocalCluster} per test method; it is stopped and deleted after each. */
abstract class WithLocalCluster {
    protected LocalCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
