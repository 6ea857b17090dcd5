/**
 * Membership by gossip, after Cassandra's Gossiper and Scuttlebutt (van Renesse et al.): each node
 * keeps a versioned state per endpoint, exchanges digests with a random peer every interval and
 * sends only what the other side lacks; heartbeat arrivals feed a phi accrual failure detector;
 * the ring is derived from the tokens and statuses gossip carries.
 */
package io.kvorum.gossip;
