package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.ClientRole;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.CleanupRequest;
import io.kvorum.core.protocol.AdminMessages.DecommissionRequest;
import io.kvorum.core.protocol.AdminMessages.RemoveNodeRequest;
import io.kvorum.core.protocol.AdminMessages.StatusRequest;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.transport.WireServer.ClientInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which requests each role may make: data reads and writes, admin everything, and nobody unknown. */
class ClientAccessTest {
    private static final Key KEY = Key.of("k");
    private static final List<Message> DATA_REQUESTS = List.of(GetRequest.of(KEY, ReadOptions.quorum()),
            PutRequest.of(KEY, new byte[] {1}, null, WriteOptions.quorum()),
            PutRequest.of(KEY, null, null, WriteOptions.quorum()), new RingRequest());
    private static final List<Message> ADMIN_REQUESTS = List.of(new StatusRequest(), new CleanupRequest(),
            new DecommissionRequest(), new RemoveNodeRequest(7));
    private final ClientAccess access = ClientAccess.of(Map.of("ada", ClientRole.ADMIN, "bob", ClientRole.DATA));

    private static ClientInfo as(String user) {
        return new ClientInfo("test", user, new InetSocketAddress("127.0.0.1", 1));
    }

    @Test
    void aDataUserMayReadWriteDeleteAndAskForTheRing() {
        for (Message m : DATA_REQUESTS) {
            assertThat(access.refusal(as("bob"), m)).as(m.toString()).isNull();
        }
    }

    @Test
    void aDataUsersAdminRequestIsRefusedNamingUserRoleRequestAndTheRoleItNeeds() {
        UnauthorizedException refusal = access.refusal(as("bob"), new CleanupRequest());
        assertThat(refusal).hasMessage("user 'bob' (role data) may not run CleanupRequest; it needs role admin");
        for (Message m : ADMIN_REQUESTS) {
            assertThat(access.refusal(as("bob"), m)).as(m.toString()).isNotNull();
        }
    }

    @Test
    void anAdminMayDoEverything() {
        for (Message m : DATA_REQUESTS) {
            assertThat(access.refusal(as("ada"), m)).isNull();
        }
        for (Message m : ADMIN_REQUESTS) {
            assertThat(access.refusal(as("ada"), m)).isNull();
        }
    }

    /** What is not listed as data is admin: a request added later is closed until someone opens it. */
    @Test
    void whatIsNotDataNeedsAdmin() {
        for (Message m : ADMIN_REQUESTS) {
            assertThat(ClientAccess.required(m)).isEqualTo(ClientRole.ADMIN);
        }
        record RepairRequest() implements Message {
        }
        assertThat(ClientAccess.required(new RepairRequest())).isEqualTo(ClientRole.ADMIN);
        assertThat(access.refusal(as("bob"), new RepairRequest())).hasMessageContaining("may not run RepairRequest");
    }

    @Test
    void aUserNotInTheFileOrNoneIsRefused() {
        assertThat(access.refusal(as("eve"), new RingRequest())).hasMessageContaining("has no user of this node");
        assertThat(access.refusal(as(null), new RingRequest())).isNotNull();
    }

    @Test
    void openAccessLetsEveryoneDoEverything() {
        for (Message m : ADMIN_REQUESTS) {
            assertThat(ClientAccess.open().refusal(as(null), m)).isNull();
        }
    }
}
