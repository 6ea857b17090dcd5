package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Secure by default (issue 9): a node without a shared secret starts only when told it may. */
class NodeSettingsTest {
    @Test
    void noSecretIsRefusedUnlessTheClusterIsDeclaredInsecure() {
        assertThatThrownBy(() -> NodeSettings.checkSecret(Settings.of(Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster.secret is empty").hasMessageContaining("cluster.insecure=true");
        assertThatCode(() -> NodeSettings.checkSecret(Settings.of(Map.of("cluster.insecure", "true"))))
                .doesNotThrowAnyException();
    }

    @Test
    void aShortSecretIsRefusedAndALongOneAccepted() {
        assertThatThrownBy(() -> NodeSettings.checkSecret(Settings.of(Map.of("cluster.secret", "hunter2"))))
                .hasMessageContaining("7 characters").hasMessageContaining("at least 16");
        assertThatCode(() -> NodeSettings.checkSecret(Settings.of(Map.of("cluster.secret", "0123456789abcdef"))))
                .doesNotThrowAnyException();
    }
}
