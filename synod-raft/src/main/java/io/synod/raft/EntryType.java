package io.synod.raft;

/** What a log entry carries. */
public enum EntryType {
  /** An application command, or the empty no-op a new leader appends. */
  NORMAL,
  /** A membership change, applied by the Raft core itself when it is committed and handed out. */
  CONF_CHANGE
}
