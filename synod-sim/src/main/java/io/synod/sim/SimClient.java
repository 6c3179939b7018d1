package io.synod.sim;

import io.synod.lincheck.Operation;
import io.synod.lincheck.model.KvModel;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A closed-loop client: one operation at a time, each sent to the replica it believes leads,
 * retried elsewhere on a definite refusal and given up at its deadline. Every operation goes into
 * the history the linearizability checker reads: completed ones with their result, abandoned writes
 * as unknown (a copy of the request may still be applied). Abandoned reads have no effect and are
 * left out.
 */
final class SimClient {
  /** A request as it travels to a replica. */
  record Request(SimClient client, long seq, int attempt, KvModel.Input input, KvCommand command) {}

  /** The replica's answer. {@code output} is empty for a refusal the client should retry. */
  record Response(long seq, int attempt, Optional<KvModel.Output> output, long leaderHint) {}

  private final Simulation sim;
  private final SplittableRandom random;
  final int id;
  final long endpoint;

  private long seq;
  private Request current;
  private long callTime;
  private long deadlineMicros;
  private long target;
  private boolean stopped;
  private long completed;

  SimClient(Simulation sim, int id, SplittableRandom random) {
    this.sim = sim;
    this.id = id;
    this.endpoint = 1_000_000L + id;
    this.random = random;
  }

  void stop() {
    stopped = true;
  }

  long completed() {
    return completed;
  }

  boolean busy() {
    return current != null;
  }

  /** Starts the next operation, unless stopped. */
  void next() {
    if (stopped) {
      return;
    }
    seq++;
    String key = "k" + random.nextInt(sim.options().keys());
    String value = "c" + id + "." + seq;
    double r = random.nextDouble();
    KvModel.Input input;
    KvCommand command = null;
    if (r < sim.options().readRatio()) {
      input = KvModel.Input.get(key);
    } else if (r < sim.options().readRatio() + sim.options().casRatio()) {
      Optional<String> expected = sim.lastWrittenValue(key, random);
      input = KvModel.Input.cas(key, expected, value);
      command = KvCommand.cas(id, seq, key, expected, value);
    } else {
      input = KvModel.Input.put(key, value);
      command = KvCommand.put(id, seq, key, value);
    }
    current = new Request(this, seq, 0, input, command);
    callTime = sim.historyClock();
    deadlineMicros = sim.nowMicros() + sim.options().clientTimeoutMicros();
    long opSeq = seq;
    sim.events().after(sim.options().clientTimeoutMicros(), () -> onDeadline(opSeq));
    send();
  }

  private void send() {
    if (target == 0 || random.nextDouble() < sim.options().clientHopRate()) {
      target = sim.randomNodeId(random);
    }
    sim.sendRequest(target, current);
  }

  void onResponse(Response response) {
    if (current == null || response.seq() != current.seq()) {
      return; // a duplicate, or the answer to an operation already given up on
    }
    if (response.output().isPresent()) {
      // Any attempt's result completes the operation: the state machine applies a sequence number
      // once.
      sim.record(
          Operation.completed(
              id, current.input(), response.output().get(), callTime, sim.historyClock()));
      completed++;
      sim.noteCompleted(current.input(), response.output().get());
      finish();
      return;
    }
    if (response.attempt() != current.attempt()) {
      return; // a refusal of an attempt already retried
    }
    // Definitely not applied at that replica: try the hinted leader, or another replica, soon.
    target = response.leaderHint() != 0 ? response.leaderHint() : sim.randomNodeId(random);
    current =
        new Request(this, current.seq(), current.attempt() + 1, current.input(), current.command());
    long backoff = response.leaderHint() != 0 ? 0 : 1_000 + random.nextInt(50_000);
    if (sim.nowMicros() + backoff < deadlineMicros) {
      Request retry = current;
      sim.events()
          .after(
              backoff,
              () -> {
                if (current == retry) {
                  send();
                }
              });
    }
  }

  private void onDeadline(long opSeq) {
    if (current == null || current.seq() != opSeq) {
      return;
    }
    if (current.command() != null) {
      sim.record(Operation.unknown(id, current.input(), callTime));
    }
    target = 0;
    finish();
  }

  private void finish() {
    current = null;
    sim.events().after(random.nextLong(sim.options().thinkMicrosMax() + 1), this::next);
  }

  /** The operation in flight, if any, as an unknown-outcome entry for the end of the history. */
  List<Operation<KvModel.Input, KvModel.Output>> abandon() {
    if (current == null || current.command() == null) {
      return List.of();
    }
    Request r = current;
    current = null;
    return List.of(Operation.unknown(id, r.input(), callTime));
  }
}
