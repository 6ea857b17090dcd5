package io.kvorum.gossip;

import io.kvorum.core.NodeId;
import java.util.Map;

/**
 * An immutable copy of one member's gossip state, as views and listeners see it.
 *
 * @param states the application states' values (versions left out)
 */
public record Member(NodeId node, long generation, long heartbeatVersion, Map<AppState, String> states) {
    public Member {
        states = Map.copyOf(states);
    }

    /** The status, or null when gossip has not brought one yet (or one that does not parse). */
    public StatusValue status() {
        return StatusValue.tryParse(states.get(AppState.STATUS));
    }

    public String get(AppState key) {
        return states.get(key);
    }
}
