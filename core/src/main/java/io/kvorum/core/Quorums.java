package io.kvorum.core;

/** The validity rules shared by read and write options. */
final class Quorums {
    private Quorums() {
    }

    static int check(String op, int n, Consistency c, String name, int rf) {
        int effective = n == 0 ? rf : n;
        if (effective > rf) {
            throw new InvalidRequestException(op + " n: " + effective + " (expected: <= the replication factor " + rf + ")");
        }
        int required = c.required(effective);
        if (required > effective) {
            throw new InvalidRequestException(op + " " + name + ": " + c + " needs " + required + " replicas (expected: <= n = "
                    + effective + ")");
        }
        return effective;
    }
}
