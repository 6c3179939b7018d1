package io.synod.lincheck.model;

import io.synod.lincheck.Model;
import io.synod.lincheck.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A map from string keys to string values with get, put, compare-and-set and delete. Keys are
 * independent, so {@link #partition} checks each key's operations on their own, in key order; each
 * partition then behaves as one register that may also be deleted. Stateless and thread-safe; use
 * {@link #INSTANCE}.
 *
 * <p>An input paired with an output of the wrong kind is a bug in whoever built the history: {@link
 * #step} throws {@link IllegalArgumentException}.
 */
public final class KvModel implements Model<KvModel.State, KvModel.Input, KvModel.Output> {
  /** The one instance; the model has no configuration. */
  public static final KvModel INSTANCE = new KvModel();

  private KvModel() {}

  /** What a client asks of the map; every input names exactly one key. */
  public sealed interface Input {
    /** The key this input reads or writes. */
    String key();

    /** Returns the key's value; answered with {@link Output#value}. */
    static Input get(String key) {
      return new Get(key);
    }

    /** Sets the key's value; answered with {@link Output#ok}. */
    static Input put(String key, String value) {
      return new Put(key, value);
    }

    /**
     * Sets {@code value} iff the key's value equals {@code expected} (empty: the key is absent);
     * answered with {@link Output#casResult}.
     */
    static Input cas(String key, Optional<String> expected, String value) {
      return new Cas(key, expected, value);
    }

    /** Removes the key; answered with {@link Output#deleted}, whether it existed. */
    static Input delete(String key) {
      return new Delete(key);
    }
  }

  /** See {@link Input#get}. */
  public record Get(String key) implements Input {
    public Get {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "get(" + key + ")";
    }
  }

  /** See {@link Input#put}. */
  public record Put(String key, String value) implements Input {
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "put(" + key + ", " + value + ")";
    }
  }

  /** See {@link Input#cas}. */
  public record Cas(String key, Optional<String> expected, String value) implements Input {
    public Cas {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "cas(" + key + ", " + Values.show(expected) + ", " + value + ")";
    }
  }

  /** See {@link Input#delete}. */
  public record Delete(String key) implements Input {
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "delete(" + key + ")";
    }
  }

  /** What the map answered. */
  public sealed interface Output {
    /** The answer to a get: the value, or empty if the key was absent. */
    static Output value(Optional<String> value) {
      return new Value(value);
    }

    /** The answer to a put. */
    static Output ok() {
      return new Ok();
    }

    /** The answer to a compare-and-set: whether it wrote. */
    static Output casResult(boolean succeeded) {
      return new CasResult(succeeded);
    }

    /** The answer to a delete: whether the key existed. */
    static Output deleted(boolean existed) {
      return new Deleted(existed);
    }
  }

  /** See {@link Output#value}. */
  public record Value(Optional<String> value) implements Output {
    public Value {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return Values.show(value);
    }
  }

  /** See {@link Output#ok}. */
  public record Ok() implements Output {
    @Override
    public String toString() {
      return "ok";
    }
  }

  /** See {@link Output#casResult}. */
  public record CasResult(boolean succeeded) implements Output {
    @Override
    public String toString() {
      return Boolean.toString(succeeded);
    }
  }

  /** See {@link Output#deleted}. */
  public record Deleted(boolean existed) implements Output {
    @Override
    public String toString() {
      return existed ? "deleted" : "not found";
    }
  }

  /**
   * The map's contents: an unmodifiable sorted copy, so equality, hashing and printing are by
   * content and in key order.
   */
  public record State(SortedMap<String, String> entries) {
    private static final State EMPTY = new State(new TreeMap<>());

    public State {
      entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    /** The map with no keys. */
    public static State empty() {
      return EMPTY;
    }

    /** The value under {@code key}, or empty if absent. */
    public Optional<String> get(String key) {
      return Optional.ofNullable(entries.get(key));
    }

    /** This map with {@code key} set to {@code value}, or removed if {@code value} is empty. */
    public State with(String key, Optional<String> value) {
      if (value.equals(get(key))) {
        return this;
      }
      TreeMap<String, String> copy = new TreeMap<>(entries);
      value.ifPresentOrElse(v -> copy.put(key, v), () -> copy.remove(key));
      return new State(copy);
    }

    @Override
    public String toString() {
      return entries.toString();
    }
  }

  @Override
  public State initialState() {
    return State.empty();
  }

  @Override
  public Optional<State> step(State state, Input input, Optional<Output> output) {
    Optional<String> current = state.get(input.key());
    if (input instanceof Get) {
      boolean fits =
          output.isEmpty()
              || Values.expect(output.get(), Value.class, input).value().equals(current);
      return fits ? Optional.of(state) : Optional.empty();
    }
    if (input instanceof Put put) {
      output.ifPresent(o -> Values.expect(o, Ok.class, input));
      return Optional.of(state.with(put.key(), Optional.of(put.value())));
    }
    if (input instanceof Cas cas) {
      boolean matches = cas.expected().equals(current);
      if (output.isPresent()
          && Values.expect(output.get(), CasResult.class, input).succeeded() != matches) {
        return Optional.empty();
      }
      return Optional.of(matches ? state.with(cas.key(), Optional.of(cas.value())) : state);
    }
    Delete delete = (Delete) input;
    if (output.isPresent()
        && Values.expect(output.get(), Deleted.class, input).existed() != current.isPresent()) {
      return Optional.empty();
    }
    return Optional.of(state.with(delete.key(), Optional.empty()));
  }

  /** One partition per key, in key order; within a key the history's order is kept. */
  @Override
  public List<List<Operation<Input, Output>>> partition(List<Operation<Input, Output>> history) {
    TreeMap<String, List<Operation<Input, Output>>> byKey = new TreeMap<>();
    for (Operation<Input, Output> op : history) {
      byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
    }
    return List.copyOf(byKey.values());
  }

  @Override
  public String describePartition(List<Operation<Input, Output>> partition) {
    return partition.isEmpty() ? "no operations" : "key \"" + partition.get(0).input().key() + "\"";
  }
}
