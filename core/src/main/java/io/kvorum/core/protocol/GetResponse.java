package io.kvorum.core.protocol;

import io.kvorum.core.Message;
import io.kvorum.core.Record;
import java.util.List;

/**
 * The records of a key that are not obsolete, merged from the replicas that answered: values
 * (siblings when several) and possibly a tombstone. Empty when no replica had the key.
 */
public record GetResponse(List<Record> records) implements Message {
}
