package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.tool.WalTool;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Crash safety with a real process: a child JVM ({@link KillTarget}) appends to a {@link
 * FileLogStore} and prints {@code synced <last index> <term> <commit>} after each sync; the test
 * kills it with SIGKILL at some point, reopens the directory and checks that everything the child
 * said was synced came back: every entry up to the last synced index with the right term and
 * contents, a hard state at least that new, and recovery notes about nothing but a torn tail or a
 * last segment created (renamed into place) just before the kill, whose header never reached the
 * disk. Several rounds run on the same directory, each child continuing (in a new term, overwriting
 * a few uncommitted entries) from what the previous one left.
 *
 * <p>The child's output is the clock: no sleeps, and every wait is bounded. {@code
 * -Dsynod.kill.seed=N} replays the children's choices (not the moment of the kill, which depends on
 * timing).
 */
class FileLogStoreKillIT {
  private static final int ROUNDS = 5;
  private static final long SEGMENT_BYTES = 16 << 10;
  private static final long ROUND_TIMEOUT_SECONDS = 30;
  private static final long DEFAULT_SEED = 20_261_123L;
  private static final int SIGKILL_EXIT_CODE = 128 + 9;

  @TempDir Path work;

  /**
   * One {@code synced} line: durable up to {@code index}, hard state {@code term}/{@code commit}.
   */
  private record Synced(long index, long term, long commit) {}

  /** What a child said before it was killed. */
  private record Round(long start, long term, int syncs, Synced last) {}

  @Test
  void everyEntryAChildSyncedSurvivesItsKill() throws Exception {
    long seed = Long.getLong("synod.kill.seed", DEFAULT_SEED);
    Path dir = work.resolve("data");
    // The log as the children promised it: index -> term.
    TreeMap<Long, Long> promised = new TreeMap<>();
    int tornTails = 0;
    int syncs = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String where = "seed " + seed + ", round " + round;
      // Kill after a different number of syncs each round (10, 47, 24, 61, 38).
      int syncsBeforeKill = 10 + (round * 37) % 64;
      Round r = runAndKill(dir, seed + round, round, syncsBeforeKill, where);
      syncs += r.syncs();
      for (long i = r.start(); i <= r.last().index(); i++) {
        promised.put(i, r.term());
      }
      promised.tailMap(r.last().index(), false).clear();

      List<String> toolNotes = dumpFindsNoCorruption(dir, where);
      List<String> notes = recoverAndCheck(dir, promised, r, where);
      assertThat(toolNotes)
          .as("%s: the tool reports the torn tails recovery cuts off", where)
          .isEqualTo(notes.stream().map(FileLogStoreKillIT::subject).toList());
      tornTails += notes.size();
    }
    System.out.printf(
        "FileLogStoreKillIT: seed %d, %d rounds, %d syncs, %d torn tails, log ends at %d%n",
        seed, ROUNDS, syncs, tornTails, promised.lastKey());
  }

  private Round runAndKill(Path dir, long seed, int round, int syncsBeforeKill, String where)
      throws IOException, InterruptedException {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElseThrow(() -> new AssertionError("cannot tell which java runs this test"));
    Path stderr = work.resolve("child-" + round + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            KillTarget.class.getName(),
            dir.toString(),
            Long.toString(seed),
            Long.toString(SEGMENT_BYTES));
    pb.redirectError(stderr.toFile());
    long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ROUND_TIMEOUT_SECONDS);
    Process child = pb.start();
    ChildOutput output = new ChildOutput(child.getInputStream());
    long start;
    long term;
    int syncs = 0;
    Synced last = null;
    try {
      String first = output.next(deadlineNanos);
      if (first == null) {
        fail("%s: the child did not start: %s", where, whyStopped(child, output, stderr));
      }
      String[] f = first.split(" ");
      assertThat(f).as("%s: first line '%s'", where, first).hasSize(3);
      assertThat(f[0]).as("%s: first line '%s'", where, first).isEqualTo("start");
      start = Long.parseLong(f[1]);
      term = Long.parseLong(f[2]);
      while (syncs < syncsBeforeKill) {
        String line = output.next(deadlineNanos);
        if (line == null) {
          fail(
              "%s: the child stopped after %d syncs: %s",
              where, syncs, whyStopped(child, output, stderr));
        }
        last = parseSynced(line, term, last, where);
        syncs++;
      }
    } finally {
      child.destroyForcibly();
      if (!child.waitFor(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("%s: the child (pid %d) did not die after SIGKILL", where, child.pid());
      }
    }
    assertThat(child.exitValue())
        .as("%s: the child died of SIGKILL", where)
        .isEqualTo(SIGKILL_EXIT_CODE);
    // Lines printed before the kill landed are promises too, even those not read yet.
    for (String line = output.next(deadlineNanos);
        line != null;
        line = output.next(deadlineNanos)) {
      last = parseSynced(line, term, last, where);
      syncs++;
    }
    assertThat(output.endReached()).as("%s: the child's output ended", where).isTrue();
    assertThat(last.index())
        .as("%s: the first batch starts at %d", where, start)
        .isGreaterThanOrEqualTo(start);
    return new Round(start, term, syncs, last);
  }

  /** Why a child's output stopped: it exited (and said why on stderr), or it went silent. */
  private static String whyStopped(Process child, ChildOutput output, Path stderr)
      throws IOException, InterruptedException {
    String how =
        output.endReached() && child.waitFor(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            ? "it exited with code " + child.exitValue()
            : "no output for " + ROUND_TIMEOUT_SECONDS + " s";
    return how + "; its stderr: " + Files.readString(stderr);
  }

  private static Synced parseSynced(String line, long term, Synced previous, String where) {
    String[] f = line.split(" ");
    assertThat(f).as("%s: line '%s'", where, line).hasSize(4);
    assertThat(f[0]).as("%s: line '%s'", where, line).isEqualTo("synced");
    Synced s = new Synced(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
    assertThat(s.term()).as("%s: line '%s'", where, line).isEqualTo(term);
    if (previous != null) {
      assertThat(s.index()).as("%s: line '%s'", where, line).isGreaterThan(previous.index());
      assertThat(s.commit())
          .as("%s: line '%s'", where, line)
          .isGreaterThanOrEqualTo(previous.commit());
    }
    return s;
  }

  /**
   * Runs {@code synod-wal dump} on the crashed directory; returns what it says recovery cuts off.
   */
  private static List<String> dumpFindsNoCorruption(Path dir, String where) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = WalTool.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute("dump", "--records=false", dir.toString());
    assertThat(err.toString()).as("%s: synod-wal dump's stderr", where).isEmpty();
    assertThat(code).as("%s: synod-wal dump's exit code", where).isZero();
    return out.toString()
        .lines()
        .filter(l -> l.startsWith("torn tail: found "))
        .map(l -> l.substring("torn tail: ".length(), l.lastIndexOf(" (a node cuts it off")))
        .map(FileLogStoreKillIT::subject)
        .toList();
  }

  /**
   * What a recovery note is about, without its verb: recovery "removed" what the tool "found", so
   * "the torn tail of FILE at offset N (...): ..." or "the last segment FILE: it has no whole
   * header ...".
   */
  private static String subject(String note) {
    return note.substring(note.indexOf(' ') + 1);
  }

  /**
   * Reopens the directory and checks it holds what the child promised; then extends {@code
   * promised} with the entries that survived beyond it, which the next child builds on. Returns the
   * recovery notes.
   */
  private static List<String> recoverAndCheck(
      Path dir, TreeMap<Long, Long> promised, Round r, String where) {
    try (FileLogStore s =
        FileLogStore.open(dir, KillTarget.GROUP, new FileLogStore.Options(SEGMENT_BYTES, 2))) {
      List<String> notes = s.recoveryNotes();
      assertThat(notes)
          .as("%s: recovery notes", where)
          .allSatisfy(n -> assertThat(n).containsAnyOf("torn tail", "no whole header"));

      long syncedIndex = r.last().index();
      assertThat(s.lastIndex()).as("%s: last index", where).isGreaterThanOrEqualTo(syncedIndex);
      SnapshotMeta snap = s.snapshotMeta();
      assertThat(snap.index())
          .as("%s: the snapshot covers what was compacted", where)
          .isGreaterThanOrEqualTo(s.firstIndex() - 1);
      if (!snap.isEmpty()) {
        assertThat(snap.term())
            .as("%s: snapshot term", where)
            .isEqualTo(promised.get(snap.index()));
        assertThat(s.snapshot().data())
            .as("%s: snapshot data", where)
            .isEqualTo(KillTarget.snapshotData(snap.index(), snap.term()));
      }

      List<Entry> log = s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE);
      assertThat(log)
          .as("%s: entries %d..%d", where, s.firstIndex(), s.lastIndex())
          .hasSize((int) (s.lastIndex() - s.firstIndex() + 1));
      for (Entry e : log) {
        // Entries past the last sync were not promised, but what survived is whole and current.
        long expectedTerm = e.index() <= syncedIndex ? promised.get(e.index()) : r.term();
        assertThat(e.term()).as("%s: term of entry %d", where, e.index()).isEqualTo(expectedTerm);
        assertThat(KillTarget.isPayload(e.data(), e.index(), e.term()))
            .as("%s: contents of entry %d (%d bytes)", where, e.index(), e.data().size())
            .isTrue();
        promised.put(e.index(), e.term());
      }

      HardState hs = s.hardState();
      assertThat(hs.term()).as("%s: hard state term", where).isEqualTo(r.term());
      assertThat(hs.vote()).as("%s: hard state vote", where).isEqualTo(KillTarget.VOTE);
      assertThat(hs.commit())
          .as("%s: hard state commit", where)
          .isGreaterThanOrEqualTo(r.last().commit());
      return notes;
    }
  }

  /**
   * The child's stdout as complete lines, read by a daemon thread so every wait can be bounded. A
   * last line without its newline (the child died printing it) is dropped: it promised nothing.
   */
  private static final class ChildOutput {
    /** Compared by identity: no line the child prints can be this object. */
    private static final String END = new String("end of output");

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private boolean ended;

    ChildOutput(InputStream in) {
      Thread t = new Thread(() -> pump(in), "kill-target-stdout");
      t.setDaemon(true);
      t.start();
    }

    private void pump(InputStream in) {
      StringBuilder line = new StringBuilder();
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        for (int c = r.read(); c >= 0; c = r.read()) {
          if (c == '\n') {
            lines.add(line.toString());
            line.setLength(0);
          } else {
            line.append((char) c);
          }
        }
      } catch (IOException e) {
        // The pipe broke with the child: what was read is all there is.
      } finally {
        lines.add(END);
      }
    }

    /** The next line, or null at the end of the output or at the deadline. */
    String next(long deadlineNanos) throws InterruptedException {
      if (ended) {
        return null;
      }
      long waitNanos = Math.max(0, deadlineNanos - System.nanoTime());
      String line = lines.poll(waitNanos, TimeUnit.NANOSECONDS);
      if (line == END) {
        ended = true;
        return null;
      }
      return line;
    }

    boolean endReached() {
      return ended;
    }
  }
}
