package io.kvorum.client;

import io.kvorum.core.Causality;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a read of one key returned: its values, and the {@link Context} to write it back with.
 *
 * <p>A key holds one value normally, several <em>siblings</em> after writes that did not see each
 * other, or nothing: a key never written, or one whose surviving record is a lone delete. The
 * context is present in every case. Writing with it supersedes exactly what this read saw, so
 * the usual pattern is read, merge the siblings as the application sees fit, write one value
 * back with {@code context()}. Even for a key not found it matters: it covers the delete the
 * read saw, so the next write replaces the delete instead of standing beside it.
 *
 * <p>Immutable; byte arrays are copied on the way out.
 */
public final class GetResult {
    private final Key key;
    private final List<Sibling> siblings;
    private final List<Sibling> values;
    private final Context context;

    private GetResult(Key key, List<Sibling> siblings, Context context) {
        this.key = key;
        this.siblings = siblings;
        this.context = context;
        List<Sibling> v = new ArrayList<>(siblings.size());
        for (Sibling s : siblings) {
            if (!s.isTombstone()) {
                v.add(s);
            }
        }
        this.values = Collections.unmodifiableList(v);
    }

    /**
     * The result for a key's records as a server returned them: they are resolved again here
     * (cheap, and it keeps a stale or buggy server from showing an obsolete record as a sibling),
     * and the context is their causal join.
     */
    static GetResult of(Key key, List<Record> records) {
        List<Record> live = Causality.resolve(records);
        List<Sibling> siblings = new ArrayList<>(live.size());
        for (Record r : live) {
            siblings.add(Sibling.of(r));
        }
        return new GetResult(key, Collections.unmodifiableList(siblings), Context.of(live));
    }

    /** True when the key has at least one value; a key whose only surviving record is a delete is not found. */
    public boolean found() {
        return !values.isEmpty();
    }

    /** True when concurrent writes left more than one value, to be merged and written back with {@link #context()}. */
    public boolean hasSiblings() {
        return values.size() > 1;
    }

    /** Copies of the values, in dot order: one normally, several for siblings, none when not found. */
    public List<byte[]> values() {
        List<byte[]> out = new ArrayList<>(values.size());
        for (Sibling s : values) {
            out.add(s.value());
        }
        return Collections.unmodifiableList(out);
    }

    /** The values as UTF-8 text. */
    public List<String> valuesAsStrings() {
        List<String> out = new ArrayList<>(values.size());
        for (Sibling s : values) {
            out.add(s.valueAsString());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The one value.
     *
     * @throws IllegalStateException when the key was not found or has siblings
     */
    public byte[] value() {
        return single().value();
    }

    /**
     * The one value as UTF-8 text.
     *
     * @throws IllegalStateException when the key was not found or has siblings
     */
    public String valueAsString() {
        return new String(single().valueBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Every surviving write with its dot and time, in dot order: the values and, when a delete
     * was concurrent with them (or is all there is), the tombstone.
     */
    public List<Sibling> siblings() {
        return siblings;
    }

    /** The context to write this key back with; never null. */
    public Context context() {
        return context;
    }

    private Sibling single() {
        if (values.size() == 1) {
            return values.get(0);
        }
        if (values.isEmpty()) {
            throw new IllegalStateException("key '" + key + "' was not found, so it has no value (check found())");
        }
        throw new IllegalStateException("key '" + key + "' has " + values.size() + " sibling values from concurrent"
                + " writes (expected: 1); read them with values() or valuesAsStrings(), and write the merged value back"
                + " with context() to resolve them");
    }

    @Override
    public String toString() {
        return "GetResult{" + key + ": " + (found() ? values.size() + " value(s)" : "not found") + ", " + context + "}";
    }
}
