package io.synod.kv;

import io.synod.common.Assert;
import java.util.Arrays;
import java.util.List;

/**
 * The changes of every revision from {@link #firstRevision()} to {@link #lastRevision()}, in the
 * order they were made (sub-revision order), for watch catch-up and snapshots. Every revision in
 * that span made at least one change (a revision only advances when something changed), so a
 * revision's changes are found by arithmetic, without a map.
 *
 * <p>Storage: one array of {@link Version} references (shared with the key index) and one array of
 * start offsets per revision, each with a head that compaction advances; the arrays are shifted
 * down when the dropped prefix grows past half, so appends and drops are amortized O(1).
 *
 * <p>Confined to the replica loop's thread, except a {@link #copy()}, which no one changes.
 */
final class RevisionLog {
  private Version[] changes = new Version[64];
  private int changesHead;
  private int changesEnd;

  /**
   * {@code starts[revisionsHead + i]} is the absolute change number where revision first+i begins.
   */
  private long[] starts = new long[64];

  private int revisionsHead;
  private int revisionsEnd;

  /** Absolute change number of {@code changes[changesHead]}. */
  private long changesBase;

  private long firstRevision;

  /** An empty log whose next revision is {@code firstRevision}. */
  RevisionLog(long firstRevision) {
    this.firstRevision = firstRevision;
  }

  /** The oldest revision whose changes are held (or the next revision, if none are). */
  long firstRevision() {
    return firstRevision;
  }

  /** The newest revision held, or {@code firstRevision() - 1} if none is. */
  long lastRevision() {
    return firstRevision + (revisionsEnd - revisionsHead) - 1;
  }

  boolean holds(long revision) {
    return revision >= firstRevision && revision <= lastRevision();
  }

  /** Total number of changes held. */
  int changeCount() {
    return changesEnd - changesHead;
  }

  /** Appends the changes of {@code revision}, which must follow the last one. */
  void append(long revision, List<Version> revisionChanges) {
    Assert.that(
        revision == lastRevision() + 1, "revision %d does not follow %d", revision, lastRevision());
    Assert.that(!revisionChanges.isEmpty(), "revision %d made no change", revision);
    if (revisionsEnd == starts.length) {
      starts = grow(starts, revisionsHead, revisionsEnd);
      revisionsEnd -= revisionsHead;
      revisionsHead = 0;
    }
    starts[revisionsEnd++] = changesBase + (changesEnd - changesHead);
    for (Version v : revisionChanges) {
      if (changesEnd == changes.length) {
        changes = grow(changes, changesHead, changesEnd);
        changesEnd -= changesHead;
        changesHead = 0;
      }
      changes[changesEnd++] = v;
    }
  }

  /** How many changes {@code revision} made; the revision must be held. */
  int count(long revision) {
    int i = indexOf(revision);
    long start = starts[i];
    long end = i + 1 < revisionsEnd ? starts[i + 1] : changesBase + (changesEnd - changesHead);
    return (int) (end - start);
  }

  /** The {@code sub}-th change of {@code revision}. */
  Version change(long revision, int sub) {
    int i = indexOf(revision);
    long absolute = starts[i] + sub;
    Assert.that(sub >= 0 && sub < count(revision), "no change %d at revision %d", sub, revision);
    return changes[changesHead + (int) (absolute - changesBase)];
  }

  /** Forgets every revision below {@code revision}. */
  void dropBefore(long revision) {
    while (firstRevision < revision && revisionsHead < revisionsEnd) {
      long nextStart =
          revisionsHead + 1 < revisionsEnd
              ? starts[revisionsHead + 1]
              : changesBase + (changesEnd - changesHead);
      int dropped = (int) (nextStart - changesBase);
      Arrays.fill(changes, changesHead, changesHead + dropped, null);
      changesHead += dropped;
      changesBase = nextStart;
      revisionsHead++;
      firstRevision++;
    }
    if (changesHead > changes.length / 2) {
      // Shift the live part down, into a smaller array if it now uses a quarter or less.
      int live = changesEnd - changesHead;
      Version[] target = live * 4 <= changes.length ? new Version[Math.max(64, live * 2)] : changes;
      System.arraycopy(changes, changesHead, target, 0, live);
      if (target == changes) {
        Arrays.fill(changes, live, changesEnd, null);
      }
      changes = target;
      changesEnd = live;
      changesHead = 0;
    }
    if (revisionsHead > starts.length / 2) {
      int live = revisionsEnd - revisionsHead;
      long[] target = live * 4 <= starts.length ? new long[Math.max(64, live * 2)] : starts;
      System.arraycopy(starts, revisionsHead, target, 0, live);
      starts = target;
      revisionsEnd = live;
      revisionsHead = 0;
    }
  }

  /**
   * A copy holding the same revisions, sharing the versions but not the arrays: {@link #dropBefore}
   * clears and shifts this log's arrays in place, so a reader on another thread (a snapshot being
   * written) reads a copy. O(changes held) reference copies.
   */
  RevisionLog copy() {
    RevisionLog c = new RevisionLog(firstRevision);
    c.changes = Arrays.copyOfRange(changes, changesHead, changesEnd);
    c.changesEnd = c.changes.length;
    c.changesBase = changesBase;
    c.starts = Arrays.copyOfRange(starts, revisionsHead, revisionsEnd);
    c.revisionsEnd = c.starts.length;
    return c;
  }

  private int indexOf(long revision) {
    Assert.that(
        holds(revision),
        "revision %d not in log [%d, %d]",
        revision,
        firstRevision,
        lastRevision());
    return revisionsHead + (int) (revision - firstRevision);
  }

  private static long[] grow(long[] a, int head, int end) {
    long[] out = new long[Math.max(64, (end - head) * 2)];
    System.arraycopy(a, head, out, 0, end - head);
    return out;
  }

  private static Version[] grow(Version[] a, int head, int end) {
    Version[] out = new Version[Math.max(64, (end - head) * 2)];
    System.arraycopy(a, head, out, 0, end - head);
    return out;
  }
}
