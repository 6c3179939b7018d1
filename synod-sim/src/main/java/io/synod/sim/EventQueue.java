package io.synod.sim;

import java.util.PriorityQueue;

/**
 * Virtual time: a queue of actions ordered by (time, sequence). Ties run in the order they were
 * scheduled, so a run depends only on the seed. Time is in microseconds.
 */
final class EventQueue {
  private record Scheduled(long timeMicros, long seq, Runnable action)
      implements Comparable<Scheduled> {
    @Override
    public int compareTo(Scheduled o) {
      int c = Long.compare(timeMicros, o.timeMicros);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
  private long nowMicros;
  private long nextSeq;
  private long executed;

  long nowMicros() {
    return nowMicros;
  }

  long executed() {
    return executed;
  }

  /** Runs {@code action} {@code delayMicros} from now (at least 0). */
  void after(long delayMicros, Runnable action) {
    queue.add(new Scheduled(nowMicros + Math.max(0, delayMicros), nextSeq++, action));
  }

  /** Runs the next action; returns false if none is left or it lies beyond {@code untilMicros}. */
  boolean runNext(long untilMicros) {
    Scheduled next = queue.peek();
    if (next == null || next.timeMicros > untilMicros) {
      return false;
    }
    queue.poll();
    nowMicros = next.timeMicros;
    executed++;
    next.action.run();
    return true;
  }
}
