package io.kvorum.bench;

/**
 * What a full scan saw: how many records and how many value bytes. Summing the value bytes makes
 * each engine really read every value (no lazy skip), and lets the harness check both numbers.
 */
record ScanTally(long records, long valueBytes) {
}
