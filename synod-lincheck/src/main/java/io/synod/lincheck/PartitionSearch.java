package io.synod.lincheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Wing–Gong search with Lowe's memoization over one partition of a history; see {@link
 * LinearizabilityChecker} for the algorithm. Single use, confined to the thread that runs it.
 *
 * <p>The completed operations are a doubly linked list of call and return events in time order. The
 * search walks it from the front: a call is a candidate to linearize next; the first return it
 * meets belongs to an operation that has not been linearized yet, and since everything after that
 * return started later, that operation has to come before them. Linearizing an operation unlinks
 * its call and return ("lifts" it, as in Knuth's dancing links); backtracking relinks them.
 *
 * <p>Unknown operations have no return; their calls are a second list, ordered by call time. They
 * are tried only after the completed candidates, the ones called no later than that first return.
 * Any order of candidates gives the same verdict, but this one enters configurations with fewer
 * unknown operations first, so that {@link Memo}'s dominance rule prunes the larger ones later.
 */
final class PartitionSearch<S, I, O> {
  /** How many of the last operations of the longest prefix an explanation keeps. */
  static final int PREFIX_SHOWN_MAX = 30;

  /** How many of the operations that could not come next an explanation keeps. */
  static final int CANDIDATES_SHOWN_MAX = 10;

  private final Model<S, I, O> model;
  private final List<Operation<I, O>> ops;

  /** Sentinel heads of the two event lists: completed operations, and unknown operations' calls. */
  private final Entry head = new Entry(-1, true);

  private final Entry unknownHead = new Entry(-1, true);

  /** The operations linearized so far, in order, each with the state before it. */
  private final List<Frame<S>> stack = new ArrayList<>();

  /** Each operation's number among the completed, or among the unknown, operations. */
  private final int[] slot;

  /** The configurations entered, and the set of operations linearized now. */
  private final Memo<S> memo;

  /** Completed operations not linearized yet; the search succeeds when this reaches zero. */
  private int completedLeft;

  /** The first dead end with the most operations linearized; null until the first dead end. */
  private Counterexample<S, I, O> deepest;

  PartitionSearch(Model<S, I, O> model, List<Operation<I, O>> ops) {
    this.model = model;
    this.ops = ops;
    this.slot = new int[ops.size()];
    int unknownCount = 0;
    for (int i = 0; i < ops.size(); i++) {
      slot[i] = ops.get(i).isUnknown() ? unknownCount++ : completedLeft++;
    }
    this.memo = new Memo<>(completedLeft, unknownCount);
    buildEventList();
  }

  /** The verdict on this partition, within {@code stepsMax} steps. */
  Outcome<S, I, O> run(long stepsMax) {
    S state = Objects.requireNonNull(model.initialState(), "Model.initialState returned null");
    memo.tryEnter(state);
    // The cursor: the event to look at next, and the first pending return once the walk has met
    // it (then the cursor is in the unknown list).
    Entry entry = head.next;
    Entry blocking = null;
    long steps = 0;
    while (completedLeft > 0) {
      if (steps == stepsMax) {
        return new Outcome<>(Verdict.UNKNOWN, steps, Optional.ofNullable(deepest), stack.size());
      }
      steps++;
      if (blocking == null && !entry.isCall) {
        // A pending completed operation always has its return after its call, so the walk meets a
        // return before it can fall off the list. Now try the unknown operations.
        blocking = entry;
        entry = unknownHead.next;
      }
      boolean candidate = blocking == null || (entry != null && isBefore(entry, blocking));
      if (candidate) {
        Optional<S> next = apply(state, entry.op);
        if (next.isPresent()
            && !erasesUnknown(entry.op, next.get())
            && enter(entry.op, next.get())) {
          stack.add(new Frame<>(entry, state, blocking));
          state = next.get();
          lift(entry);
          entry = head.next;
          blocking = null;
        } else {
          entry = entry.next;
        }
        continue;
      }
      maybeRecordDeepest(blocking, state);
      if (stack.isEmpty()) {
        return new Outcome<>(Verdict.NOT_LINEARIZABLE, steps, Optional.of(deepest), 0);
      }
      Frame<S> frame = stack.remove(stack.size() - 1);
      state = frame.stateBefore();
      unlift(frame.call());
      entry = frame.call().next;
      blocking = frame.blocking();
    }
    return new Outcome<>(Verdict.LINEARIZABLE, steps, Optional.empty(), stack.size());
  }

  /** Whether unknown call {@code call} comes before return {@code ret} (calls first at ties). */
  private boolean isBefore(Entry call, Entry ret) {
    return ops.get(call.op).callTime() <= ops.get(ret.op).returnTime();
  }

  private void buildEventList() {
    List<Entry> events = new ArrayList<>(2 * ops.size());
    List<Entry> unknownCalls = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Entry call = new Entry(i, true);
      if (ops.get(i).isUnknown()) {
        unknownCalls.add(call);
      } else {
        Entry ret = new Entry(i, false);
        call.match = ret;
        events.add(call);
        events.add(ret);
      }
    }
    // Calls before returns at equal times, so that touching intervals count as concurrent.
    Comparator<Entry> order =
        Comparator.comparingLong((Entry e) -> time(e))
            .thenComparingInt(e -> e.isCall ? 0 : 1)
            .thenComparingInt(e -> e.op);
    link(head, events, order);
    link(unknownHead, unknownCalls, order);
  }

  private static void link(Entry sentinel, List<Entry> entries, Comparator<Entry> order) {
    entries.sort(order);
    Entry last = sentinel;
    for (Entry e : entries) {
      last.next = e;
      e.prev = last;
      last = e;
    }
  }

  private long time(Entry e) {
    Operation<I, O> op = ops.get(e.op);
    return e.isCall ? op.callTime() : op.returnTime();
  }

  private Optional<S> apply(S state, int opIndex) {
    Operation<I, O> op = ops.get(opIndex);
    Optional<S> next = model.step(state, op.input(), op.output());
    return Objects.requireNonNull(next, "Model.step returned null");
  }

  /**
   * True if the last operation linearized is an unknown one whose effect {@code opIndex} would
   * erase: applied straight to the state before that unknown operation, {@code opIndex} gives the
   * same {@code next} state. Then any way to finish from here also finishes from the configuration
   * without the unknown operation, which is a sibling the search explores anyway (the operation is
   * just as available there). Pruning these keeps a crowd of unknown writes, each overwritten by
   * the next, from multiplying the search. A partial-order reduction of ours; {@link Memo} explains
   * the companion rule.
   */
  private boolean erasesUnknown(int opIndex, S next) {
    if (stack.isEmpty()) {
      return false;
    }
    Frame<S> last = stack.get(stack.size() - 1);
    if (!ops.get(last.call().op).isUnknown()) {
      return false;
    }
    return apply(last.stateBefore(), opIndex).filter(next::equals).isPresent();
  }

  /**
   * Marks {@code opIndex} linearized with {@code next} as the state after it, unless the memo says
   * that configuration cannot lead anywhere new: then the mark is undone.
   */
  private boolean enter(int opIndex, S next) {
    boolean isUnknown = ops.get(opIndex).isUnknown();
    memo.flip(slot[opIndex], isUnknown);
    if (!memo.tryEnter(next)) {
      memo.flip(slot[opIndex], isUnknown);
      return false;
    }
    if (!isUnknown) {
      completedLeft--;
    }
    return true;
  }

  private static void lift(Entry call) {
    unlink(call);
    if (call.match != null) {
      unlink(call.match);
    }
  }

  /** Undoes {@link #lift} on the most recently lifted call: relinks in the reverse order. */
  private void unlift(Entry call) {
    if (call.match != null) {
      relink(call.match);
    }
    relink(call);
    boolean isUnknown = ops.get(call.op).isUnknown();
    memo.flip(slot[call.op], isUnknown);
    if (!isUnknown) {
      completedLeft++;
    }
  }

  private static void unlink(Entry e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  private static void relink(Entry e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }

  /**
   * Keeps the first dead end with the most operations linearized: its prefix, and the calls before
   * {@code blocking}, completed and unknown (the operations that could have come next, all of which
   * failed).
   */
  private void maybeRecordDeepest(Entry blocking, S state) {
    int depth = stack.size();
    if (deepest != null && depth <= deepest.prefixLength()) {
      return;
    }
    List<Operation<I, O>> prefixOps = new ArrayList<>();
    List<S> statesAfter = new ArrayList<>();
    for (int k = Math.max(0, depth - PREFIX_SHOWN_MAX); k < depth; k++) {
      prefixOps.add(ops.get(stack.get(k).call().op));
      statesAfter.add(k + 1 < depth ? stack.get(k + 1).stateBefore() : state);
    }
    List<Operation<I, O>> candidates = new ArrayList<>();
    int candidateCount = 0;
    List<Entry> calls = new ArrayList<>();
    for (Entry e = head.next; e != blocking; e = e.next) {
      calls.add(e);
    }
    for (Entry e = unknownHead.next; e != null && isBefore(e, blocking); e = e.next) {
      calls.add(e);
    }
    for (Entry e : calls) {
      if (candidates.size() < CANDIDATES_SHOWN_MAX) {
        candidates.add(ops.get(e.op));
      }
      candidateCount++;
    }
    deepest =
        new Counterexample<>(
            depth, prefixOps, statesAfter, state, candidates, candidateCount, ops.get(blocking.op));
  }

  /**
   * The result of {@link #run}. {@code deepest} is present whenever the search hit a dead end (so
   * always on {@link Verdict#NOT_LINEARIZABLE}); {@code depthAtStop} is how many operations were
   * linearized when the search stopped.
   */
  record Outcome<S, I, O>(
      Verdict verdict, long steps, Optional<Counterexample<S, I, O>> deepest, int depthAtStop) {}

  /**
   * One linearized operation: its call event, the state before it, and the cursor's first pending
   * return when it was chosen (null if it was chosen before the walk met that return).
   */
  private record Frame<S>(Entry call, S stateBefore, Entry blocking) {}

  /** One event in the list; {@code match} links a call to its return (none if unknown). */
  private static final class Entry {
    final int op;
    final boolean isCall;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int op, boolean isCall) {
      this.op = op;
      this.isCall = isCall;
    }
  }
}
