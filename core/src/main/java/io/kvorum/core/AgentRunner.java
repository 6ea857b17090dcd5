package io.kvorum.core;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Agent} in a duty cycle, as Agrona's {@code AgentRunner} does, but on borrowed
 * threads: the {@link Scheduler} only decides when the next turn is due, and the turn itself runs
 * on an {@link Executor} the owner gives. The split matters because a node's scheduler thread also
 * sends gossip heartbeats: an agent that blocks on disk (compaction) must do so on its own
 * executor, or a long merge would look like a dead node to every peer.
 *
 * <p><b>A turn</b> calls {@link Agent#doWork} while it reports work, at most
 * {@code maxWorkPerTurn} times; then the runner hands the thread back. A turn that stopped at the
 * bound with work left asks the scheduler for the next one at once, which queues it behind whatever
 * else is due (so a busy agent cannot starve its neighbours); a turn that found nothing to do
 * waits {@code idleIntervalMs}. {@link #wake} starts a turn now, for an owner that knows there is
 * new work (a flush made a table to compact); a wake that arrives during a turn makes that turn try
 * once more before it idles, so no wake is lost and none piles up into a queue of turns. There is
 * never more than one turn queued or running, and never more than one timer pending.
 *
 * <p><b>Errors</b> thrown by {@code doWork} are counted ({@link #errors}) and logged at a bounded
 * rate, and the turn ends; the next one waits the idle interval even if a wake came meanwhile. The
 * agent keeps its schedule, and a fault that repeats costs one attempt per idle interval, not a hot
 * loop or a flooded log.
 *
 * <p><b>Closing</b> is idempotent: it cancels the pending timer, waits for a running turn to
 * finish (a turn checks between units, so an agent that wants a prompt stop checks its own stop
 * flag inside a long unit), and makes every later wake and timer a no-op. A turn already queued on
 * the executor runs as a no-op. The runner owns neither the scheduler nor the executor.
 *
 * <p>Time comes only from the scheduler (delays) and the given {@link Clock} (log rate), so a test
 * with a manual scheduler and an inline executor runs an agent deterministically on its own thread.
 */
public final class AgentRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);

    private final Agent agent;
    private final Scheduler scheduler;
    private final Executor executor;
    private final long idleIntervalMs;
    private final int maxWorkPerTurn;
    private final RateLimitedLog errorLog;
    private final AtomicLong errors = new AtomicLong();
    /** Held for the whole of a turn, so that close can wait for one; reentrant, so a turn may close its runner. */
    private final ReentrantLock turnLock = new ReentrantLock();

    // Guarded by this.
    private boolean queued;
    private boolean running;
    private boolean wokenWhileRunning;
    private boolean closed;
    private Scheduler.Cancellable nextTurn;
    /** Bumped whenever the pending timer is replaced or cancelled, so a late one knows it is stale. */
    private long timerGeneration;

    /**
     * @param scheduler decides when turns are due; only triggers them, never runs {@code doWork}
     *        unless {@code executor} runs tasks on the caller's thread
     * @param executor runs the turns; {@code Runnable::run} runs them on whichever thread triggers
     *        them (the scheduler's, or the caller of {@link #wake})
     * @param clock paces the error log
     * @param idleIntervalMs how long to wait after a turn that found nothing to do, or failed
     * @param maxWorkPerTurn how many {@code doWork} calls one turn may make
     */
    public AgentRunner(Agent agent, Scheduler scheduler, Executor executor, Clock clock, long idleIntervalMs,
                       int maxWorkPerTurn) {
        this.agent = agent;
        this.scheduler = scheduler;
        this.executor = executor;
        this.idleIntervalMs = Checks.requirePositive(idleIntervalMs, "idleIntervalMs");
        this.maxWorkPerTurn = Checks.requirePositive(maxWorkPerTurn, "maxWorkPerTurn");
        this.errorLog = RateLimitedLog.standard(log, clock);
    }

    /** Starts the first turn now; from then on the agent runs at its own pace. */
    public void start() {
        wake();
    }

    /** Starts a turn now, or, if one is running, makes it look for work once more before it idles. */
    public void wake() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running) {
                wokenWhileRunning = true;
                return;
            }
            if (queued) {
                return;
            }
            queued = true;
            cancelNextTurn();
        }
        try {
            executor.execute(this::turn);
        } catch (RejectedExecutionException e) {
            long generation;
            synchronized (this) {
                queued = false;
                if (closed) {
                    return;
                }
                generation = cancelNextTurn();
            }
            failed("could not start a turn: its executor refused it", e);
            scheduleNextTurn(idleIntervalMs, generation);
        }
    }

    private void turn() {
        turnLock.lock();
        try {
            synchronized (this) {
                queued = false;
                if (closed) {
                    return;
                }
                running = true;
                wokenWhileRunning = false;
            }
            Outcome outcome = runTurn();
            long delayMs;
            long generation;
            synchronized (this) {
                running = false;
                if (closed) {
                    return;
                }
                boolean now = outcome == Outcome.BUSY || outcome == Outcome.IDLE && wokenWhileRunning;
                delayMs = now ? 0 : idleIntervalMs;
                generation = cancelNextTurn();
            }
            scheduleNextTurn(delayMs, generation);
        } finally {
            turnLock.unlock();
        }
    }

    private enum Outcome { BUSY, IDLE, FAILED }

    /** Calls the agent until it is idle, fails or reaches the bound. */
    private Outcome runTurn() {
        for (int calls = 0; calls < maxWorkPerTurn; calls++) {
            if (isClosed()) {
                return Outcome.IDLE;
            }
            int work;
            try {
                work = agent.doWork();
            } catch (RuntimeException | Error e) {
                failed("failed", e);
                return Outcome.FAILED;
            }
            if (work == 0 && !consumeWake()) {
                return Outcome.IDLE;
            }
        }
        return Outcome.BUSY;
    }

    private synchronized boolean consumeWake() {
        boolean woken = wokenWhileRunning;
        wokenWhileRunning = false;
        return woken;
    }

    /**
     * Asks for the next turn, outside this runner's lock: a scheduler may run a task due now on the
     * calling thread, and the agent's work must never run under the lock that {@link #wake} needs
     * (a waker holding a lock of its own would deadlock against the agent). A timer that was
     * superseded meanwhile (by a wake, a newer turn or close) is cancelled at once.
     */
    private void scheduleNextTurn(long delayMs, long generation) {
        Scheduler.Cancellable timer = scheduler.schedule(this::wake, delayMs, TimeUnit.MILLISECONDS);
        synchronized (this) {
            if (closed || generation != timerGeneration) {
                timer.cancel();
            } else {
                nextTurn = timer;
            }
        }
    }

    /** [this held] Cancels the pending timer; returns the generation its successor must carry. */
    private long cancelNextTurn() {
        if (nextTurn != null) {
            nextTurn.cancel();
            nextTurn = null;
        }
        return ++timerGeneration;
    }

    private void failed(String what, Throwable e) {
        long count = errors.incrementAndGet();
        errorLog.warn("Agent " + agent.name() + " " + what + " (" + count + " errors so far): " + e, e);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** How many times the agent's work has failed since the runner was made. */
    public long errors() {
        return errors.get();
    }

    public String name() {
        return agent.name();
    }

    /** Stops the agent: no turn starts after this returns, and a running one has finished. Idempotent. */
    @Override
    public void close() {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
            cancelNextTurn();
        }
        turnLock.lock();
        turnLock.unlock();
        if (first) {
            try {
                agent.onClose();
            } catch (RuntimeException e) {
                failed("failed to close", e);
            }
        }
    }

    @Override
    public String toString() {
        return "AgentRunner{" + agent.name() + ", errors " + errors.get() + "}";
    }
}
