package io.synod.lincheck;

import io.synod.lincheck.model.KvModel.Cas;
import io.synod.lincheck.model.KvModel.CasResult;
import io.synod.lincheck.model.KvModel.Delete;
import io.synod.lincheck.model.KvModel.Get;
import io.synod.lincheck.model.KvModel.Input;
import io.synod.lincheck.model.KvModel.Output;
import io.synod.lincheck.model.KvModel.Put;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Breaks a linearizable KV history (unique values, as {@link ConcurrentKvRun} writes them) by
 * making one completed get return a value that no linearization can give it. With unique values,
 * only the one operation that writes {@code v} can make {@code v} current, so a get cannot see
 * {@code v} if:
 *
 * <ul>
 *   <li>{@code future}: the writer was called after the get returned, so it comes after the get in
 *       every linearization (whether it completed or not); or
 *   <li>{@code overwritten}: the writer returned before some completed put, delete or successful
 *       compare-and-set of the same key was called, and that one returned before the get was
 *       called, so {@code v} is gone for good before the get; or
 *   <li>{@code ghost}: nothing writes {@code v} at all (used only when neither of the above
 *       exists).
 * </ul>
 */
record StaleRead(List<Operation<Input, Output>> history, String kind) {

  private record Candidate(int readIndex, String value, String kind) {}

  /** The history with one get broken, or empty if it has no completed get. */
  static Optional<StaleRead> inject(List<Operation<Input, Output>> history, Tape tape) {
    List<Candidate> candidates = new ArrayList<>();
    List<Integer> reads = new ArrayList<>();
    for (int r = 0; r < history.size(); r++) {
      Operation<Input, Output> read = history.get(r);
      if (read.input() instanceof Get && !read.isUnknown()) {
        reads.add(r);
        addCandidates(history, r, candidates);
      }
    }
    if (reads.isEmpty()) {
      return Optional.empty();
    }
    // Choose the kind first, so the rarer "overwritten" kind is not drowned out by "future".
    List<String> kinds = candidates.stream().map(Candidate::kind).distinct().sorted().toList();
    Candidate chosen;
    if (kinds.isEmpty()) {
      chosen = new Candidate(reads.get(tape.next(reads.size())), "ghost", "ghost");
    } else {
      String kind = kinds.get(tape.next(kinds.size()));
      List<Candidate> ofKind = candidates.stream().filter(c -> c.kind().equals(kind)).toList();
      chosen = ofKind.get(tape.next(ofKind.size()));
    }
    List<Operation<Input, Output>> broken = new ArrayList<>(history);
    Operation<Input, Output> read = history.get(chosen.readIndex());
    broken.set(
        chosen.readIndex(),
        Operation.completed(
            read.clientId(),
            read.input(),
            Output.value(Optional.of(chosen.value())),
            read.callTime(),
            read.returnTime()));
    return Optional.of(new StaleRead(broken, chosen.kind()));
  }

  private static void addCandidates(
      List<Operation<Input, Output>> history, int r, List<Candidate> out) {
    Operation<Input, Output> read = history.get(r);
    for (Operation<Input, Output> writer : history) {
      Optional<String> written = writtenValue(writer.input());
      if (written.isEmpty() || !writer.input().key().equals(read.input().key())) {
        continue;
      }
      if (writer.callTime() > read.returnTime()) {
        out.add(new Candidate(r, written.get(), "future"));
      } else if (!writer.isUnknown() && overwrittenBefore(history, writer, read)) {
        out.add(new Candidate(r, written.get(), "overwritten"));
      }
    }
  }

  private static boolean overwrittenBefore(
      List<Operation<Input, Output>> history,
      Operation<Input, Output> writer,
      Operation<Input, Output> read) {
    for (Operation<Input, Output> x : history) {
      if (x != writer
          && !x.isUnknown()
          && x.input().key().equals(read.input().key())
          && overwrites(x)
          && writer.returnTime() < x.callTime()
          && x.returnTime() < read.callTime()) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code x}, once linearized, leaves the key without the value it had. */
  private static boolean overwrites(Operation<Input, Output> x) {
    return x.input() instanceof Put
        || x.input() instanceof Delete
        || (x.input() instanceof Cas && ((CasResult) x.output().orElseThrow()).succeeded());
  }

  private static Optional<String> writtenValue(Input input) {
    if (input instanceof Put put) {
      return Optional.of(put.value());
    }
    if (input instanceof Cas cas) {
      return Optional.of(cas.value());
    }
    return Optional.empty();
  }
}
