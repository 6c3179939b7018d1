package io.synod.storage;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link FileLogStoreKillIT}: appends to a {@link FileLogStore} until it is
 * killed, and says what is durable.
 *
 * <p>{@code KillTarget DIR SEED SEGMENT_BYTES} opens the store (recovering what the last child
 * left), starts a new term, prints {@code start <first index it writes> <term>}, then loops: append
 * a batch (small, many entries, or one entry larger than a segment), sometimes a hard state with a
 * higher commit index, sometimes a snapshot and a compaction, then {@link FileLogStore#sync()}, and
 * only then print {@code synced <last index> <term> <commit>}. Each new term first overwrites a few
 * entries above the commit index, as a new Raft leader may. Entry contents are {@link #payload}, so
 * the parent can check every byte. It stops by itself after {@link #LIFETIME_SECONDS} or when its
 * parent is gone, so a crashed test leaves no process behind.
 */
public final class KillTarget {
  static final long GROUP = 1;
  static final long VOTE = 1;
  static final int LIFETIME_SECONDS = 60;

  private KillTarget() {}

  /** The contents of entry {@code index} of {@code term}: a readable tag, then a known pattern. */
  static Bytes payload(long index, long term, int lengthBytes) {
    byte[] tag = tag(index, term);
    byte[] out = new byte[Math.max(lengthBytes, tag.length)];
    System.arraycopy(tag, 0, out, 0, tag.length);
    for (int i = tag.length; i < out.length; i++) {
      out[i] = patternByte(index, term, i);
    }
    return Bytes.wrapOwned(out);
  }

  /** Whether {@code data} is exactly what {@link #payload} gives for this index and term. */
  static boolean isPayload(Bytes data, long index, long term) {
    byte[] tag = tag(index, term);
    if (data.size() < tag.length) {
      return false;
    }
    for (int i = 0; i < data.size(); i++) {
      byte expected = i < tag.length ? tag[i] : patternByte(index, term, i);
      if (data.byteAt(i) != expected) {
        return false;
      }
    }
    return true;
  }

  private static byte[] tag(long index, long term) {
    return ("entry " + index + " of term " + term + ":").getBytes(StandardCharsets.US_ASCII);
  }

  private static byte patternByte(long index, long term, int position) {
    return (byte) ('a' + Math.floorMod(index * 31 + term * 17 + position, 26));
  }

  static Bytes snapshotData(long index, long term) {
    return Bytes.utf8("snapshot at " + index + " of term " + term);
  }

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
    FileLogStore.Options options = new FileLogStore.Options(Long.parseLong(args[2]), 2);
    long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIFETIME_SECONDS);
    PrintStream out = System.out;
    long parentPid = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);

    FileLogStore store = FileLogStore.open(dir, GROUP, options);
    HardState recovered = store.hardState();
    long term = recovered.term() + 1;
    long commit = recovered.commit();
    // A new leader may overwrite entries above the commit index.
    long next = Math.max(commit + 1, store.lastIndex() + 1 - random.nextInt(8));
    out.println("start " + next + " " + term);
    out.flush();
    store.setHardState(new HardState(term, VOTE, commit));

    for (long batch = 0; System.nanoTime() < deadlineNanos; batch++) {
      if (batch % 64 == 63
          && !ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false)) {
        break;
      }
      List<Entry> entries = batch(random, next, term);
      store.append(entries);
      next += entries.size();
      if (random.nextInt(3) == 0 && store.lastIndex() > commit) {
        // Commit what an earlier sync made durable (this node is the whole cluster).
        commit = Math.max(commit, next - entries.size() - 1);
        store.setHardState(new HardState(term, VOTE, commit));
      }
      if (random.nextInt(25) == 0 && commit > store.snapshotMeta().index()) {
        store.saveSnapshot(
            commit, ConfState.ofVoters(List.of(1L)), snapshotData(commit, store.term(commit)));
        store.compact(Math.max(commit - random.nextInt(40), store.firstIndex() - 1));
      }
      store.sync();
      out.println("synced " + (next - 1) + " " + term + " " + commit);
      out.flush();
    }
    store.close();
  }

  /** Mostly a few small entries; sometimes many, sometimes one larger than a whole segment. */
  private static List<Entry> batch(SplittableRandom random, long first, long term) {
    int kind = random.nextInt(12);
    int count = kind == 0 ? 100 + random.nextInt(200) : kind == 1 ? 1 : 1 + random.nextInt(12);
    List<Entry> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int lengthBytes = kind == 1 ? 20_000 + random.nextInt(30_000) : random.nextInt(300);
      out.add(Entry.normal(term, first + i, payload(first + i, term, lengthBytes)));
    }
    return out;
  }
}
