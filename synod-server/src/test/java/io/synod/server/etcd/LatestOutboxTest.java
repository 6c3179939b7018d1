package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link LatestOutbox} with a transport that is ready or not, drained on the calling thread. */
class LatestOutboxTest {
  private boolean ready;
  private boolean refuse;
  private final List<Object> sent = new ArrayList<>();
  private int gone;

  private final LatestOutbox<Integer> outbox =
      new LatestOutbox<>(
          4,
          Runnable::run,
          new LatestOutbox.Outbound<>() {
            @Override
            public boolean isReady() {
              return ready;
            }

            @Override
            public void send(Integer message) {
              if (refuse) {
                throw new IllegalStateException("call closed");
              }
              sent.add(message);
            }

            @Override
            public void fail(Status status) {
              sent.add(status.getCode());
            }
          },
          () -> gone++);

  @Test
  void aReadyTransportGetsEveryMessageInOrder() {
    ready = true;
    IntStream.range(0, 10).forEach(outbox::offer);
    assertThat(sent).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void aSlowClientKeepsTheNewestMessages() {
    IntStream.range(0, 10).forEach(outbox::offer);
    assertThat(sent).isEmpty();
    assertThat(outbox.pending()).isEqualTo(4);
    ready = true;
    outbox.drain();
    assertThat(sent).containsExactly(6, 7, 8, 9);
    assertThat(outbox.pending()).isZero();
  }

  @Test
  void aFailureGoesOutAfterNothingElseAndEndsTheStream() {
    outbox.offer(1);
    outbox.fail(Status.UNKNOWN);
    ready = true;
    outbox.offer(2);
    outbox.drain();
    assertThat(sent).containsExactly(Status.Code.UNKNOWN);
  }

  @Test
  void aTransportThatRefusesMeansTheClientIsGone() {
    ready = true;
    refuse = true;
    outbox.offer(1);
    assertThat(gone).isEqualTo(1);
    refuse = false;
    outbox.offer(2);
    assertThat(sent).isEmpty();
  }
}
