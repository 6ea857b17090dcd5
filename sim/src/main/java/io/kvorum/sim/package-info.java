/**
 * The simulation side of the seams: {@link io.kvorum.sim.SimLoop} is the Clock and Scheduler
 * of simulated time, {@link io.kvorum.sim.SimNetwork} and {@link io.kvorum.sim.SimBus}
 * the in-memory MessageBus with seeded latency, loss, cut links and dead nodes. They live in core,
 * beside the seams they implement, so every protocol module can test itself in a seeded,
 * single-threaded simulation, and the experiments module can assemble whole clusters from them.
 */
package io.kvorum.sim;
