package io.kvorum.experiments.sim;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.DotSource;
import io.kvorum.core.NodeId;

/** A simulated node's dots: a node-wide counter and an epoch that a crash-restart advances. */
final class SimDots implements DotSource {
    private Actor actor;
    private long counter;

    SimDots(NodeId node) {
        this.actor = new Actor(node, 0);
    }

    @Override
    public Actor actor() {
        return actor;
    }

    @Override
    public Dot nextDot() {
        return new Dot(actor, ++counter);
    }

    /** After an unclean restart: a new epoch, as NodeIdentity gives a real node. */
    void newEpoch() {
        actor = new Actor(actor.node(), actor.epoch() + 1);
    }
}
