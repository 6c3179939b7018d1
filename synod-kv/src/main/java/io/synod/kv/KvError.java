package io.synod.kv;

/**
 * Every error the key-value service can answer, with the gRPC status code and the exact message
 * etcd uses (clients compare messages byte for byte; see ../shared/etcd-api.md §9).
 */
public enum KvError {
  KEY_NOT_PROVIDED(Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  KEY_NOT_FOUND(Code.INVALID_ARGUMENT, "etcdserver: key not found"),
  VALUE_PROVIDED(Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
  LEASE_PROVIDED(Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
  TOO_MANY_TXN_OPS(Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
  DUPLICATE_KEY(Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
  REQUEST_TOO_LARGE(Code.INVALID_ARGUMENT, "etcdserver: request is too large"),
  COMPACTED(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  FUTURE_REVISION(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  LEASE_TTL_TOO_LARGE(Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
  LEASE_NOT_FOUND(Code.NOT_FOUND, "etcdserver: requested lease not found"),
  LEASE_EXISTS(Code.FAILED_PRECONDITION, "etcdserver: lease already exists"),
  NO_SPACE(Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  TOO_MANY_REQUESTS(Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
  NO_LEADER(Code.UNAVAILABLE, "etcdserver: no leader"),
  LEADER_CHANGED(Code.UNAVAILABLE, "etcdserver: leader changed"),
  TIMEOUT(Code.UNAVAILABLE, "etcdserver: request timed out"),
  STOPPED(Code.UNAVAILABLE, "etcdserver: server stopped"),
  NOT_CAPABLE(Code.UNAVAILABLE, "etcdserver: not capable"),
  LEARNER_NOT_SUPPORTED(Code.UNAVAILABLE, "etcdserver: rpc not supported for learner"),
  WATCH_CANCELED(Code.CANCELED, "etcdserver: watch canceled"),
  /**
   * Synod's own: a log entry that does not decode as a command (etcd has no equivalent; it never
   * reaches the log through the API edge). Every replica answers it the same way.
   */
  MALFORMED_COMMAND(Code.INVALID_ARGUMENT, "synod: malformed command");

  /** gRPC status codes, without depending on gRPC (the API edge maps them one to one). */
  public enum Code {
    CANCELED,
    UNKNOWN,
    INVALID_ARGUMENT,
    NOT_FOUND,
    FAILED_PRECONDITION,
    OUT_OF_RANGE,
    RESOURCE_EXHAUSTED,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    UNAVAILABLE,
    DATA_LOSS
  }

  private final Code code;
  private final String message;

  KvError(Code code, String message) {
    this.code = code;
    this.message = message;
  }

  public Code code() {
    return code;
  }

  public String message() {
    return message;
  }
}
