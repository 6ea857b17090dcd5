/**
 * The simulation side of the seams: {@link io.kvorum.sim.SimLoop} is the Clock and Scheduler
 * of simulated time, {@link io.kvorum.sim.SimNetwork} and {@link io.kvorum.sim.SimBus}
 * the in-memory MessageBus with seeded latency, loss, duplication, cut links, dead nodes,
 * {@link io.kvorum.sim.PartitionMode partitions} and {@link io.kvorum.sim.FaultWindows stability
 * windows}, optionally carrying every message through the real wire codec. A module of its own,
 * beside core, so every protocol module can test itself in a seeded, single-threaded simulation
 * and the experiments module can assemble whole clusters from them, while no production jar
 * carries them.
 */
package io.kvorum.sim;
