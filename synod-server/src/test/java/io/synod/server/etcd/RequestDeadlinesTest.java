package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestDeadlinesTest {
  private final AtomicLong nowNanos = new AtomicLong(1_000);
  private final ArrayDeque<Runnable> scheduled = new ArrayDeque<>();
  private final RequestDeadlines deadlines =
      new RequestDeadlines(100, nowNanos::get, scheduled::add);

  @Test
  void aRequestPastItsDeadlineFailsWithATimeoutAtTheNextSweep() {
    CompletableFuture<String> f = deadlines.within(new CompletableFuture<>());
    assertThat(scheduled).hasSize(1);
    nowNanos.addAndGet(99);
    scheduled.poll().run();
    assertThat(f).isNotDone();
    assertThat(scheduled).hasSize(1);
    nowNanos.addAndGet(1);
    scheduled.poll().run();
    assertThat(f).isCompletedExceptionally();
    assertThat(causeOf(f)).isInstanceOf(TimeoutException.class);
    assertThat(scheduled).isEmpty();
    assertThat(deadlines.pendingCount()).isZero();
  }

  @Test
  void requestsAnsweredInTimeAreForgottenAndSweepsStopWhenNoneArePending() {
    CompletableFuture<String> a = deadlines.within(new CompletableFuture<>());
    CompletableFuture<String> b = deadlines.within(new CompletableFuture<>());
    assertThat(scheduled).hasSize(1);
    a.complete("a");
    b.complete("b");
    scheduled.poll().run();
    assertThat(a).isCompletedWithValue("a");
    assertThat(b).isCompletedWithValue("b");
    assertThat(deadlines.pendingCount()).isZero();
    assertThat(scheduled).isEmpty();
    deadlines.within(new CompletableFuture<>());
    assertThat(scheduled).hasSize(1);
  }

  @Test
  void aPendingRequestKeepsLaterOnesWatchedUntilItsOwnDeadline() {
    CompletableFuture<String> first = deadlines.within(new CompletableFuture<>());
    nowNanos.addAndGet(50);
    CompletableFuture<String> second = deadlines.within(new CompletableFuture<>());
    nowNanos.addAndGet(50);
    scheduled.poll().run();
    assertThat(first).isCompletedExceptionally();
    assertThat(second).isNotDone();
    nowNanos.addAndGet(50);
    scheduled.poll().run();
    assertThat(second).isCompletedExceptionally();
  }

  @Test
  void anAlreadyDoneFutureIsNotWatched() {
    deadlines.within(CompletableFuture.completedFuture("x"));
    assertThat(scheduled).isEmpty();
    assertThat(deadlines.pendingCount()).isZero();
  }

  private static Throwable causeOf(CompletableFuture<?> f) {
    try {
      f.get();
      throw new AssertionError("not failed");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
