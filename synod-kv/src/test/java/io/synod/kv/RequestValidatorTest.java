package io.synod.kv;

import static io.synod.kv.Kv.b;
import static io.synod.kv.TxnTest.del;
import static io.synod.kv.TxnTest.put;
import static io.synod.kv.TxnTest.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The API edge's state-free checks, with etcd's order and rules (etcd v3rpc/key.go). */
class RequestValidatorTest {
  final RequestValidator v = RequestValidator.defaults();

  private static List<RequestOp> puts(int n) {
    return puts("k", n);
  }

  private static List<RequestOp> puts(String prefix, int n) {
    List<RequestOp> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ops.add(put(prefix + i, "v"));
    }
    return ops;
  }

  private static RequestOp nested(List<RequestOp> success, List<RequestOp> failure) {
    return new RequestOp.Txn(txn(List.of(), success, failure));
  }

  private Optional<KvError> check(List<RequestOp> success, List<RequestOp> failure) {
    return v.validate(txn(List.of(), success, failure));
  }

  @Test
  void exactly128OpsAreAllowedAnd129AreTooMany() {
    assertThat(check(puts(128), List.of())).isEmpty();
    assertThat(check(puts(129), List.of())).contains(KvError.TOO_MANY_TXN_OPS);
    assertThat(check(List.of(), puts(129))).contains(KvError.TOO_MANY_TXN_OPS);
    List<Compare> compares =
        Collections.nCopies(129, TxnTest.cmp(Compare.Result.EQUAL, Compare.Target.VERSION, "a", 0));
    assertThat(v.validate(txn(compares, List.of(), List.of()))).contains(KvError.TOO_MANY_TXN_OPS);
    assertThat(KvError.TOO_MANY_TXN_OPS.message())
        .isEqualTo("etcdserver: too many operations in txn request");
  }

  @Test
  void aNestedTxnMayUseOnlyWhatItsParentLeft() {
    List<RequestOp> outer = new ArrayList<>(puts(100));
    outer.add(nested(puts("n", 27), List.of()));
    assertThat(check(outer, List.of())).isEmpty();
    outer.set(100, nested(puts("n", 28), List.of()));
    assertThat(check(outer, List.of())).contains(KvError.TOO_MANY_TXN_OPS);
  }

  @Test
  void emptyKeysInComparesOpsAndNestedTxnsAreRejected() {
    assertThat(
            v.validate(
                txn(
                    List.of(TxnTest.cmp(Compare.Result.EQUAL, Compare.Target.VERSION, "", 0)),
                    List.of(),
                    List.of())))
        .contains(KvError.KEY_NOT_PROVIDED);
    assertThat(check(List.of(new RequestOp.Range(RangeRequest.single(Bytes.EMPTY))), List.of()))
        .contains(KvError.KEY_NOT_PROVIDED);
    assertThat(check(List.of(), List.of(del("", "")))).contains(KvError.KEY_NOT_PROVIDED);
    assertThat(check(List.of(nested(List.of(put("", "v")), List.of())), List.of()))
        .contains(KvError.KEY_NOT_PROVIDED);
    assertThat(v.validateRange(RangeRequest.single(Bytes.EMPTY)))
        .contains(KvError.KEY_NOT_PROVIDED);
    assertThat(v.validate(Kv.putCmd("", "v", 0))).contains(KvError.KEY_NOT_PROVIDED);
  }

  @Test
  void ignoreFlagsWithAValueOrALeaseAreRejected() {
    assertThat(v.validate(new KvCommand.Put(b("k"), b("v"), 0, false, true, false)))
        .contains(KvError.VALUE_PROVIDED);
    assertThat(v.validate(new KvCommand.Put(b("k"), b(""), 5, false, false, true)))
        .contains(KvError.LEASE_PROVIDED);
    assertThat(v.validate(new KvCommand.Put(b("k"), b(""), 0, false, true, true))).isEmpty();
  }

  @Test
  void theSameKeyPutTwiceInOneBranchIsADuplicate() {
    assertThat(check(List.of(put("a", "1"), put("a", "2")), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(put("a", "1")), List.of(put("a", "2")))).isEmpty();
    assertThat(KvError.DUPLICATE_KEY.message())
        .isEqualTo("etcdserver: duplicate key given in txn request");
  }

  @Test
  void aPutInsideADeleteRangeOfTheSameBranchIsADuplicateWhateverTheOrder() {
    assertThat(check(List.of(del("a", "c"), put("b", "1")), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(put("b", "1"), del("a", "c")), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(del("b", ""), put("b", "1")), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(del("a", "c"), put("c", "1")), List.of())).isEmpty();
    assertThat(check(List.of(del("a", "b"), del("a", "c")), List.of())).isEmpty();
  }

  @Test
  void nestedTxnsCountAsTheSameBranch() {
    assertThat(check(List.of(put("a", "1"), nested(List.of(put("a", "2")), List.of())), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(del("a", "c"), nested(List.of(put("b", "2")), List.of())), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    assertThat(check(List.of(nested(List.of(del("a", "c")), List.of()), put("b", "2")), List.of()))
        .contains(KvError.DUPLICATE_KEY);
    // Then and else of one nested txn are exclusive: the same key in both is fine.
    assertThat(check(List.of(nested(List.of(put("a", "1")), List.of(put("a", "2")))), List.of()))
        .isEmpty();
    assertThat(
            check(
                List.of(
                    nested(List.of(put("a", "1")), List.of()),
                    nested(List.of(), List.of(put("a", "2")))),
                List.of()))
        .contains(KvError.DUPLICATE_KEY);
  }

  @Test
  void aFromKeyDeleteMatchesNoPutAsInEtcdUnlessThePutIgnoresItsValueOrLease() {
    RequestOp fromA = new RequestOp.DeleteRange(new KvCommand.DeleteRange(b("a"), Kv.ZERO, false));
    assertThat(check(List.of(fromA, put("b", "1")), List.of())).isEmpty();
    RequestOp ignoring = new RequestOp.Put(new KvCommand.Put(b("b"), b(""), 0, false, true, false));
    assertThat(check(List.of(fromA, ignoring), List.of())).contains(KvError.DUPLICATE_KEY);
  }

  @Test
  void requestsLargerThanTheLimitAreTooLarge() {
    RequestValidator small = new RequestValidator(128, 100);
    assertThat(small.validate(Kv.putCmd("k", "x".repeat(50), 0))).isEmpty();
    assertThat(small.validate(Kv.putCmd("k", "x".repeat(200), 0)))
        .contains(KvError.REQUEST_TOO_LARGE);
    assertThat(KvError.REQUEST_TOO_LARGE.message()).isEqualTo("etcdserver: request is too large");
  }

  @Test
  void theApplyTimeCheckSkipsTheConfigurableLimits() {
    assertThat(RequestValidator.checkStructure(txn(List.of(), puts(500), List.of()))).isEmpty();
    assertThat(RequestValidator.checkStructure(txn(List.of(), List.of(put("", "v")), List.of())))
        .contains(KvError.KEY_NOT_PROVIDED);
  }
}
