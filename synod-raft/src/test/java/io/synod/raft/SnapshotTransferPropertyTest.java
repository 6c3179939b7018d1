package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.SnapshotChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A {@link SnapshotSender} and a {@link SnapshotReceiver} joined by a network that drops,
 * duplicates and reorders messages, with a heartbeat tick now and then (every 50 deliveries on
 * average, or when nothing is in flight). Every draw comes from the property's seed. The transfer
 * completes within a bound proportional to its chunks, so a traffic storm fails it; the sender
 * never breaks its window; and the receiver ends up with exactly the original bytes.
 */
class SnapshotTransferPropertyTest {
  private static final SnapshotMeta META = new SnapshotMeta(42, 7, ConfState.EMPTY);

  /** A follower's answer: it holds the first {@code nextOffset} bytes. */
  private record Ack(long nextOffset) {}

  @Property(tries = 300)
  void transferCompletesWithTheOriginalBytesDespiteLossDuplicationAndReordering(
      @ForAll @IntRange(min = 0, max = 3_000) int sizeBytes,
      @ForAll @IntRange(min = 1, max = 400) int chunkBytes,
      @ForAll @IntRange(min = 1, max = 5) int windowChunks,
      @ForAll @IntRange(min = 1, max = 4) int resendTicks,
      @ForAll @IntRange(min = 0, max = 50) int dropPercent,
      @ForAll @IntRange(min = 0, max = 30) int duplicatePercent,
      @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    // At most a few hundred chunks, so a try stays fast.
    int chunk = Math.max(chunkBytes, sizeBytes / 300 + 1);
    byte[] original = new byte[sizeBytes];
    random.nextBytes(original);
    Bytes data = Bytes.copyOf(original);
    SnapshotSender sender =
        new SnapshotSender(new Snapshot(META, data), chunk, windowChunks, resendTicks);
    List<Object> network = new ArrayList<>();
    Window window = new Window(chunk, windowChunks);
    send(sender.nextChunks(), network, window);

    // As on a follower: the receiver starts with the chunk at offset 0; before that, every chunk
    // is answered with offset 0.
    SnapshotReceiver receiver = null;
    // Thousands of runs need at most 56 events per chunk; a storm needs orders of magnitude more.
    long eventsMax = 150L * (sizeBytes / chunk + 1);
    long events = 0;
    while (receiver == null || !receiver.isComplete()) {
      assertThat(events++).as("events, network holds %d", network.size()).isLessThan(eventsMax);
      if (network.isEmpty() || random.nextInt(100) < 2) {
        if (sender.onHeartbeatTick()) {
          send(sender.nextChunks(), network, window);
        }
        continue;
      }
      Object message = network.remove(random.nextInt(network.size()));
      if (random.nextInt(100) < dropPercent) {
        continue;
      }
      if (random.nextInt(100) < duplicatePercent) {
        network.add(message);
      }
      if (message instanceof SnapshotChunk c) {
        if (receiver == null && c.offset() == 0) {
          receiver = new SnapshotReceiver(c.meta(), c.totalBytes(), 1);
        }
        long held = receiver == null ? 0 : receiver.accept(c);
        if (receiver == null || !receiver.isComplete()) {
          network.add(new Ack(held));
        }
      } else {
        long nextOffset = ((Ack) message).nextOffset();
        sender.onAck(nextOffset);
        window.acked(nextOffset);
        send(sender.nextChunks(), network, window);
      }
    }

    assertThat(receiver.snapshot()).isEqualTo(new Snapshot(META, data));
  }

  private static void send(List<SnapshotChunk> chunks, List<Object> network, Window window) {
    window.check(chunks);
    network.addAll(chunks);
  }

  /**
   * What the sender may send, checked from the outside: each batch is contiguous, never skips bytes
   * nobody has received, never reaches past the window beyond the highest acknowledgement, and only
   * the last chunk may be short.
   */
  private static final class Window {
    final int chunkBytes;
    final int windowChunks;
    long ackedMax;
    long sentMax;

    Window(int chunkBytes, int windowChunks) {
      this.chunkBytes = chunkBytes;
      this.windowChunks = windowChunks;
    }

    void acked(long offset) {
      ackedMax = Math.max(ackedMax, offset);
    }

    void check(List<SnapshotChunk> chunks) {
      long expected = -1;
      for (SnapshotChunk c : chunks) {
        if (expected >= 0) {
          assertThat(c.offset()).as("contiguous batch").isEqualTo(expected);
        }
        assertThat(c.offset()).as("no gap").isLessThanOrEqualTo(Math.max(sentMax, ackedMax));
        assertThat(c.offset()).as("window").isLessThan(ackedMax + (long) chunkBytes * windowChunks);
        if (c.isLast()) {
          assertThat(c.data().size()).isLessThanOrEqualTo(chunkBytes);
        } else {
          assertThat(c.data().size()).isEqualTo(chunkBytes);
        }
        expected = c.offset() + c.data().size();
        sentMax = Math.max(sentMax, expected);
      }
    }
  }
}
