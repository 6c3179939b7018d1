package io.synod.lincheck;

import io.synod.lincheck.model.KvModel.Cas;
import io.synod.lincheck.model.KvModel.Get;
import io.synod.lincheck.model.KvModel.Input;
import io.synod.lincheck.model.KvModel.Output;
import io.synod.lincheck.model.KvModel.Put;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs clients against a real atomic map under a schedule drawn from a {@link Tape}, and records
 * the history they see. Each operation takes effect at one point between its call and its return
 * (its linearization point), so every history recorded here is linearizable by construction.
 *
 * <p>A client may give up on an operation: it is recorded as unknown, and if it has not taken
 * effect yet it may still do so later, or never, like a request still in flight after a timeout.
 * Time sometimes stands still between events, so histories have ties. Values written are unique.
 * The map is implemented here on its own, independently of {@code KvModel}. Single use, not
 * thread-safe.
 */
final class ConcurrentKvRun {
  private final Tape tape;
  private final List<String> keys;
  private final boolean deletes;
  private final TreeMap<String, String> store = new TreeMap<>();
  private final List<Operation<Input, Output>> history = new ArrayList<>();

  /** Each client's operation in flight, or null when the client is idle. */
  private final InFlight[] clients;

  /** Operations whose client gave up before they took effect; they may still take effect. */
  private final List<InFlight> orphans = new ArrayList<>();

  private long now;
  private int valuesWritten;

  private static final class InFlight {
    final int client;
    final Input input;
    final long callTime;
    Output output; // set when the operation takes effect

    InFlight(int client, Input input, long callTime) {
      this.client = client;
      this.input = input;
      this.callTime = callTime;
    }
  }

  private ConcurrentKvRun(Tape tape, int clientCount, List<String> keys, boolean deletes) {
    this.tape = tape;
    this.keys = List.copyOf(keys);
    this.deletes = deletes;
    this.clients = new InFlight[clientCount];
  }

  /** A linearizable history of about {@code events} scheduling decisions. */
  static List<Operation<Input, Output>> record(
      Tape tape, int clientCount, List<String> keys, boolean deletes, int events) {
    ConcurrentKvRun run = new ConcurrentKvRun(tape, clientCount, keys, deletes);
    for (int e = 0; e < events; e++) {
      run.event();
    }
    for (int c = 0; c < clientCount; c++) {
      if (run.clients[c] != null) {
        run.giveUp(c);
      }
    }
    return run.history;
  }

  private void event() {
    if (!tape.oneIn(4)) {
      now++;
    }
    int action = tape.next(20);
    if (action < 6) {
      pick(idleClients()).ifPresent(this::invoke);
    } else if (action < 12) {
      List<InFlight> waiting = new ArrayList<>(orphans);
      for (InFlight f : clients) {
        if (f != null && f.output == null) {
          waiting.add(f);
        }
      }
      pick(waiting).ifPresent(this::takeEffect);
    } else if (action < 19) {
      pick(clientsWithAnswers()).ifPresent(this::complete);
    } else {
      pick(busyClients()).ifPresent(this::giveUp);
    }
  }

  private <T> Optional<T> pick(List<T> from) {
    return from.isEmpty() ? Optional.empty() : Optional.of(from.get(tape.next(from.size())));
  }

  private List<Integer> idleClients() {
    List<Integer> idle = new ArrayList<>();
    for (int c = 0; c < clients.length; c++) {
      if (clients[c] == null) {
        idle.add(c);
      }
    }
    return idle;
  }

  private List<Integer> busyClients() {
    List<Integer> busy = new ArrayList<>();
    for (int c = 0; c < clients.length; c++) {
      if (clients[c] != null) {
        busy.add(c);
      }
    }
    return busy;
  }

  private List<Integer> clientsWithAnswers() {
    List<Integer> answered = new ArrayList<>();
    for (int c = 0; c < clients.length; c++) {
      if (clients[c] != null && clients[c].output != null) {
        answered.add(c);
      }
    }
    return answered;
  }

  private void invoke(int client) {
    String key = keys.get(tape.next(keys.size()));
    Input input;
    switch (tape.next(deletes ? 4 : 3)) {
      case 0 -> input = Input.get(key);
      case 1 -> input = Input.put(key, freshValue());
      case 2 -> input = Input.cas(key, expectation(key), freshValue());
      default -> input = Input.delete(key);
    }
    clients[client] = new InFlight(client, input, now);
  }

  private String freshValue() {
    return "v" + valuesWritten++;
  }

  /** Mostly the current value, so that many compare-and-sets succeed. */
  private Optional<String> expectation(String key) {
    return switch (tape.next(3)) {
      case 0 -> Optional.ofNullable(store.get(key));
      case 1 -> Optional.empty();
      default -> Optional.of("v" + tape.next(valuesWritten + 1));
    };
  }

  /** The linearization point: the operation runs atomically on the real map. */
  private void takeEffect(InFlight op) {
    orphans.remove(op);
    Input input = op.input;
    Optional<String> current = Optional.ofNullable(store.get(input.key()));
    if (input instanceof Get) {
      op.output = Output.value(current);
    } else if (input instanceof Put put) {
      store.put(put.key(), put.value());
      op.output = Output.ok();
    } else if (input instanceof Cas cas) {
      boolean matches = current.equals(cas.expected());
      if (matches) {
        store.put(cas.key(), cas.value());
      }
      op.output = Output.casResult(matches);
    } else {
      store.remove(input.key());
      op.output = Output.deleted(current.isPresent());
    }
  }

  private void complete(int client) {
    InFlight op = clients[client];
    history.add(Operation.completed(client, op.input, op.output, op.callTime, now));
    clients[client] = null;
  }

  private void giveUp(int client) {
    InFlight op = clients[client];
    history.add(Operation.unknown(client, op.input, op.callTime));
    if (op.output == null) {
      orphans.add(op);
    }
    clients[client] = null;
  }
}
