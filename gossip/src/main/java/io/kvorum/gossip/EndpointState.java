package io.kvorum.gossip;

import io.kvorum.core.NodeId;
import io.kvorum.gossip.GossipMessages.EndpointDelta;
import io.kvorum.gossip.GossipMessages.StateEntry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What this node knows of one member: the generation of the member's current run, its heartbeat
 * version and its application states, each with the version it was set at.
 *
 * <p>Versions belong to one generation and grow with every change the member makes (its heartbeat
 * included), so {@link #maxVersion} orders two views of the same run. A higher generation means
 * the member restarted: its states replace everything known of the old run. Not thread-safe; the
 * {@link EndpointStates} that holds it guards it.
 */
final class EndpointState {
    private final NodeId node;
    private final long generation;
    private long heartbeatVersion;
    private final Map<AppState, StateEntry> states = new EnumMap<>(AppState.class);

    EndpointState(NodeId node, long generation) {
        this.node = node;
        this.generation = generation;
    }

    static EndpointState from(EndpointDelta delta) {
        EndpointState s = new EndpointState(delta.node(), delta.generation());
        s.merge(delta);
        return s;
    }

    NodeId node() {
        return node;
    }

    long generation() {
        return generation;
    }

    long heartbeatVersion() {
        return heartbeatVersion;
    }

    void setHeartbeatVersion(long version) {
        heartbeatVersion = version;
    }

    long maxVersion() {
        long max = heartbeatVersion;
        for (StateEntry e : states.values()) {
            max = Math.max(max, e.version());
        }
        return max;
    }

    String get(AppState key) {
        StateEntry e = states.get(key);
        return e == null ? null : e.value();
    }

    void put(StateEntry entry) {
        states.put(entry.key(), entry);
    }

    Map<AppState, StateEntry> entries() {
        return states;
    }

    /** The member's status, or null while gossip has not brought one (or brought one that does not parse). */
    StatusValue status() {
        return StatusValue.tryParse(get(AppState.STATUS));
    }

    /**
     * Takes the entries of {@code delta} (same generation) newer than those held.
     *
     * @return the keys whose value changed
     */
    List<AppState> merge(EndpointDelta delta) {
        heartbeatVersion = Math.max(heartbeatVersion, delta.heartbeatVersion());
        List<AppState> changed = new ArrayList<>();
        for (StateEntry e : delta.states()) {
            StateEntry mine = states.get(e.key());
            if (mine == null || e.version() > mine.version()) {
                states.put(e.key(), e);
                if (mine == null || !mine.value().equals(e.value())) {
                    changed.add(e.key());
                }
            }
        }
        return changed;
    }

    /** The states above {@code afterVersion}; all of them for 0. */
    EndpointDelta deltaAfter(long afterVersion) {
        List<StateEntry> newer = new ArrayList<>();
        for (StateEntry e : states.values()) {
            if (e.version() > afterVersion) {
                newer.add(e);
            }
        }
        return new EndpointDelta(node, generation, heartbeatVersion, newer);
    }

    @Override
    public String toString() {
        return node + "{gen " + generation + ", hb " + heartbeatVersion + ", " + states.values() + "}";
    }
}
