package io.kvorum.transport;

import io.kvorum.core.NodeId;

/**
 * A node's handshake frame. Each side of a node-to-node connection sends two, in this order:
 * <ol>
 *   <li>phase 1, on connect: who it is (cluster, protocol version, node id, where it listens) and a
 *       fresh random challenge {@code nonce}; {@code proof} is empty;</li>
 *   <li>phase 2, once it has the other side's phase 1: the same identity and nonce, and
 *       {@code proof}, an HMAC over the other side's challenge (see {@link HandshakeProof}), empty when
 *       this node has no shared secret.</li>
 * </ol>
 * Only after each side has received both of the other's hellos do other frames flow.
 */
record Hello(int phase, String clusterName, int protocolVersion, long nodeId, String listenHost, int listenPort,
        byte[] nonce, byte[] proof) {

    NodeId node() {
        return new NodeId(nodeId);
    }

    @Override
    public String toString() {
        return "Hello{phase " + phase + ", cluster '" + clusterName + "', node " + node() + " listening on "
                + listenHost + ":" + listenPort + "}";
    }
}
