package io.synod.lincheck.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.lincheck.LinearizabilityChecker;
import io.synod.lincheck.Operation;
import io.synod.lincheck.Verdict;
import io.synod.lincheck.model.LockModel.Holder;
import io.synod.lincheck.model.LockModel.Input;
import io.synod.lincheck.model.LockModel.Output;
import io.synod.lincheck.model.LockModel.State;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LockModelTest {
  private static final LockModel MODEL = LockModel.INSTANCE;
  private static final State FREE = MODEL.initialState();

  private static Optional<State> step(State state, Input in, Output out) {
    return MODEL.step(state, in, Optional.of(out));
  }

  private static State heldBy(String owner, long token) {
    return new State(Optional.of(new Holder(owner, token, true)), token + 1);
  }

  @Test
  void lockStartsFreeWithNoTokenIssued() {
    assertThat(FREE.holder()).isEmpty();
    assertThat(FREE).hasToString("free");
  }

  @Test
  void acquireTakesAFreeLockWithAnyFirstToken() {
    assertThat(step(FREE, Input.acquire("p"), Output.token(7))).contains(heldBy("p", 7));
    assertThat(step(FREE, Input.acquire("p"), Output.token(-3))).contains(heldBy("p", -3));
  }

  @Test
  void heldLockCannotBeAcquiredAgainEvenByItsHolder() {
    assertThat(step(heldBy("p", 7), Input.acquire("q"), Output.token(8))).isEmpty();
    assertThat(step(heldBy("p", 7), Input.acquire("p"), Output.token(8))).isEmpty();
  }

  @Test
  void tokensOfSuccessiveAcquisitionsStrictlyIncrease() {
    State released = step(heldBy("p", 7), Input.release("p", 7), Output.released(true)).get();
    assertThat(released)
        .isEqualTo(new State(Optional.empty(), 8))
        .hasToString("free, next token >= 8");
    assertThat(step(released, Input.acquire("q"), Output.token(7))).isEmpty();
    assertThat(step(released, Input.acquire("q"), Output.token(8))).contains(heldBy("q", 8));
    assertThat(step(released, Input.acquire("q"), Output.token(20))).contains(heldBy("q", 20));
  }

  @Test
  void onlyTheHolderWithItsTokenCanRelease() {
    State held = heldBy("p", 7);
    assertThat(step(held, Input.release("p", 7), Output.released(false))).isEmpty();
    assertThat(step(held, Input.release("q", 7), Output.released(true))).isEmpty();
    assertThat(step(held, Input.release("q", 7), Output.released(false))).contains(held);
    assertThat(step(held, Input.release("p", 6), Output.released(true))).isEmpty();
    assertThat(step(held, Input.release("p", 6), Output.released(false))).contains(held);
    assertThat(step(FREE, Input.release("p", 6), Output.released(true))).isEmpty();
    assertThat(step(FREE, Input.release("p", 6), Output.released(false))).contains(FREE);
  }

  @Test
  void unknownAcquireHoldsWithATokenKnownOnlyFromBelow() {
    State before = new State(Optional.empty(), 5);
    State held = MODEL.step(before, Input.acquire("p"), Optional.empty()).get();
    assertThat(held).isEqualTo(new State(Optional.of(new Holder("p", 5, false)), 6));
    assertThat(held).hasToString("held by p with a token >= 5, next token >= 6");
    assertThat(step(held, Input.acquire("q"), Output.token(9))).isEmpty();
    // A release by the holder reveals the token, which must be one the lock could have granted.
    assertThat(step(held, Input.release("p", 4), Output.released(true))).isEmpty();
    assertThat(step(held, Input.release("p", 9), Output.released(true)))
        .contains(new State(Optional.empty(), 10));
    // A refused release may just have named the wrong token: no conclusion, no change.
    assertThat(step(held, Input.release("p", 9), Output.released(false))).contains(held);
    assertThat(step(held, Input.release("q", 9), Output.released(true))).isEmpty();
  }

  @Test
  void unknownReleaseFreesTheLockIfItMatches() {
    State held = heldBy("p", 7);
    assertThat(MODEL.step(held, Input.release("p", 7), Optional.empty()))
        .contains(new State(Optional.empty(), 8));
    assertThat(MODEL.step(held, Input.release("q", 7), Optional.empty())).contains(held);
  }

  @Test
  void outputOfTheWrongKindIsACallerBug() {
    assertThatThrownBy(() -> step(FREE, Input.acquire("p"), Output.released(true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> step(heldBy("p", 1), Input.release("p", 1), Output.token(2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- whole histories ----

  private static Operation<Input, Output> acquire(
      int client, String owner, long token, long call, long ret) {
    return Operation.completed(client, Input.acquire(owner), Output.token(token), call, ret);
  }

  private static Operation<Input, Output> release(
      int client, String owner, long token, boolean ok, long call, long ret) {
    return Operation.completed(client, Input.release(owner, token), Output.released(ok), call, ret);
  }

  private static Verdict check(List<Operation<Input, Output>> history) {
    return LinearizabilityChecker.check(MODEL, history, 100_000).verdict();
  }

  @Test
  void handOffWithIncreasingTokensIsLinearizable() {
    assertThat(
            check(
                List.of(
                    acquire(1, "p", 1, 0, 1),
                    acquire(2, "q", 2, 0, 5), // waits while p holds the lock
                    release(1, "p", 1, true, 2, 3),
                    release(2, "q", 2, true, 6, 7))))
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void twoHoldersAtOnceAreNotLinearizable() {
    assertThat(
            check(
                List.of(
                    acquire(1, "p", 1, 0, 1),
                    acquire(2, "q", 2, 2, 3),
                    release(1, "p", 1, true, 4, 5),
                    release(2, "q", 2, true, 6, 7))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void tokenThatGoesBackwardsIsNotLinearizable() {
    assertThat(
            check(
                List.of(
                    acquire(1, "p", 5, 0, 1),
                    release(1, "p", 5, true, 2, 3),
                    acquire(2, "q", 4, 4, 5))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void lostAcquireMayHaveTakenTheLock() {
    // p's acquire timed out, yet p later released the lock with token 3: it was granted.
    assertThat(
            check(
                List.of(
                    Operation.unknown(1, Input.acquire("p"), 0),
                    release(1, "p", 3, true, 10, 11),
                    acquire(2, "q", 4, 12, 13))))
        .isEqualTo(Verdict.LINEARIZABLE);
    // ... but then nobody else can have held the lock in between.
    assertThat(
            check(
                List.of(
                    acquire(2, "q", 1, 0, 1),
                    Operation.unknown(1, Input.acquire("p"), 2),
                    release(1, "p", 3, true, 10, 11),
                    release(2, "q", 1, true, 12, 13))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }
}
