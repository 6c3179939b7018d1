package io.synod.kv;

import io.synod.common.Bytes;

/**
 * One condition of a Txn: {@code target} of every key in {@code [key, rangeEnd)} (just {@code key}
 * if {@code rangeEnd} is empty) compared with {@code operand} by {@code result}. For VALUE the
 * operand is {@code value}; for the other targets {@code number} (version, create or mod revision,
 * lease id).
 */
public record Compare(
    Result result, Target target, Bytes key, Bytes rangeEnd, long number, Bytes value) {

  public enum Result {
    EQUAL,
    GREATER,
    LESS,
    NOT_EQUAL
  }

  public enum Target {
    VERSION,
    CREATE,
    MOD,
    VALUE,
    LEASE
  }
}
