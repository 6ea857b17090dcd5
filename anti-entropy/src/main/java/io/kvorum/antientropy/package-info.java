/**
 * Bringing replicas of a token range together: range streaming (a node pulls the records of a
 * range from another and applies them by union), used when nodes join, leave or are removed, and
 * the Merkle-tree repair that will build on it.
 */
package io.kvorum.antientropy;
