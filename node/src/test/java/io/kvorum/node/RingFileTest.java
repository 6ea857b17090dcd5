package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.Member;
import io.kvorum.gossip.StatusValue;
import io.kvorum.ring.MemberStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RingFileTest {
    @TempDir
    Path dir;

    private static List<Member> members(int count) {
        RandomSource random = RandomSource.seeded(7);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<AppState, String> states = new EnumMap<>(AppState.class);
            states.put(AppState.ADDRESS, "127.0.0." + (i + 1) + ":7100");
            states.put(AppState.STATUS, StatusValue.of(MemberStatus.NORMAL).text());
            states.put(AppState.TOKENS, (i * 1000) + "," + (i * 1000 + 500));
            members.add(new Member(NodeId.random(random), 0, 0, states));
        }
        return members;
    }

    @Test
    void savedMembersLoadBack() {
        RingFile file = new RingFile(dir);
        List<Member> saved = members(3);
        file.save(saved);
        assertThat(file.load()).extracting(Member::node).containsExactlyElementsOf(saved.stream().map(Member::node).toList());
        assertThat(file.load().get(2).get(AppState.TOKENS)).isEqualTo("2000,2500");
    }

    @Test
    void aFlippedByteIsCorruptData() throws Exception {
        RingFile file = new RingFile(dir);
        file.save(members(3));
        byte[] bytes = Files.readAllBytes(file.path());
        int inBody = bytes.length - 5;
        bytes[inBody] = (byte) (bytes[inBody] == '1' ? '2' : '1');
        Files.write(file.path(), bytes);
        assertThatThrownBy(file::load).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.path().toString()).hasMessageContaining("checksum");
    }

    @Test
    void aTruncatedFileIsCorruptData() throws Exception {
        RingFile file = new RingFile(dir);
        file.save(members(3));
        String text = Files.readString(file.path());
        Files.writeString(file.path(), text.substring(0, text.lastIndexOf('\n', text.length() - 2) + 1));
        assertThatThrownBy(file::load).isInstanceOf(CorruptDataException.class);
        Files.writeString(file.path(), "garbage\n");
        assertThatThrownBy(file::load).isInstanceOf(CorruptDataException.class).hasMessageContaining("header");
    }

    @Test
    void aFileFromBeforeTheChecksumStillLoads() throws Exception {
        RingFile file = new RingFile(dir);
        file.save(members(2));
        String text = Files.readString(file.path());
        Files.writeString(file.path(), RingFile.LEGACY_HEADER + text.substring(text.indexOf('\n') + 1),
                StandardCharsets.UTF_8);
        assertThat(file.load()).hasSize(2);
    }

    @Test
    void concurrentSavesNeverRaceOnTheTemporaryFile() throws Exception {
        RingFile file = new RingFile(dir);
        List<Member> members = members(5);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (LogCapture log = new LogCapture(RingSaver.class.getName())) {
            RingSaver saver = new RingSaver(file, () -> members, pool);
            List<Future<?>> callers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                callers.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        saver.request();
                        saver.saveNow();
                    }
                }));
            }
            for (Future<?> f : callers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(log.warnings()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
        assertThat(file.load()).hasSize(5);
    }
}
