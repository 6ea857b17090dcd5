package io.kvorum.core;

/**
 * A write would leave its key with more concurrent values (siblings) than the node allows. Thrown
 * before anything is stored. The cure is the client's: read the key, resolve its siblings, and
 * write with the read's context, which covers them.
 *
 * <p>Why a limit: every write to a key with s siblings ships and resolves all s, so a loop of blind
 * writes (no context) makes each write dearer than the last, and without a bound one careless or
 * hostile client can make a key's writes, and then every key sharing its storage threads, time out.
 */
public class TooManySiblingsException extends InvalidRequestException {
    public TooManySiblingsException(Key key, int siblings, int limit, String setting) {
        this("key " + key + " has " + siblings + " siblings, and this write's context does not cover them"
                + " (expected: at most " + limit + " siblings, set by " + setting + "); read the key, resolve its"
                + " siblings and write with the read's context");
    }

    private TooManySiblingsException(String message) {
        super(message);
    }

    /**
     * A replica's refusal of a batch (a coordinator's write, a repair, a hint) carrying more of one
     * key's records than the limit: no coordinator that respects the limit sends one.
     */
    public static TooManySiblingsException inBatch(Key key, int records, int limit, String setting) {
        return new TooManySiblingsException("a batch of " + records + " records of key " + key + " (expected: at most "
                + limit + ", set by " + setting + ")");
    }
}
