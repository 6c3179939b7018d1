package io.synod.kv;

/** One operation of a Txn branch: a range, a put, a delete-range or a nested txn. */
public sealed interface RequestOp {
  record Range(RangeRequest request) implements RequestOp {}

  record Put(KvCommand.Put request) implements RequestOp {}

  record DeleteRange(KvCommand.DeleteRange request) implements RequestOp {}

  record Txn(KvCommand.Txn request) implements RequestOp {}
}
