package io.synod.lincheck.model;

import io.synod.lincheck.Model;
import java.util.Objects;
import java.util.Optional;

/**
 * One register holding an optional string, absent at first, with read, write and compare-and-set.
 * The state is the register's value, an {@code Optional<String>}. Stateless and thread-safe; use
 * {@link #INSTANCE}.
 *
 * <p>An input paired with an output of the wrong kind (a read answered with {@code ok}) is a bug in
 * whoever built the history, not a linearizability violation: {@link #step} throws {@link
 * IllegalArgumentException}.
 */
public final class RegisterModel
    implements Model<Optional<String>, RegisterModel.Input, RegisterModel.Output> {
  /** The one instance; the model has no configuration. */
  public static final RegisterModel INSTANCE = new RegisterModel();

  private RegisterModel() {}

  /** What a client asks of the register. */
  public sealed interface Input {
    /** Returns the current value. */
    static Input read() {
      return new Read();
    }

    /** Sets the value unconditionally. */
    static Input write(String value) {
      return new Write(value);
    }

    /** Sets {@code value} iff the current value equals {@code expected} (empty: absent). */
    static Input cas(Optional<String> expected, String value) {
      return new Cas(expected, value);
    }
  }

  /** Read the current value; answered with {@link Value}. */
  public record Read() implements Input {
    @Override
    public String toString() {
      return "read()";
    }
  }

  /** Write {@code value}; answered with {@link Ok}. */
  public record Write(String value) implements Input {
    public Write {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "write(" + value + ")";
    }
  }

  /** Compare-and-set; answered with {@link CasResult}. */
  public record Cas(Optional<String> expected, String value) implements Input {
    public Cas {
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "cas(" + Values.show(expected) + ", " + value + ")";
    }
  }

  /** What the register answered. */
  public sealed interface Output {
    /** The answer to a read. */
    static Output value(Optional<String> value) {
      return new Value(value);
    }

    /** The answer to a write. */
    static Output ok() {
      return new Ok();
    }

    /** The answer to a compare-and-set. */
    static Output casResult(boolean succeeded) {
      return new CasResult(succeeded);
    }
  }

  /** A read saw {@code value} (empty: absent). */
  public record Value(Optional<String> value) implements Output {
    public Value {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return Values.show(value);
    }
  }

  /** A write was applied. */
  public record Ok() implements Output {
    @Override
    public String toString() {
      return "ok";
    }
  }

  /** Whether a compare-and-set found the expected value and so wrote. */
  public record CasResult(boolean succeeded) implements Output {
    @Override
    public String toString() {
      return Boolean.toString(succeeded);
    }
  }

  @Override
  public Optional<String> initialState() {
    return Optional.empty();
  }

  @Override
  public Optional<Optional<String>> step(
      Optional<String> state, Input input, Optional<Output> output) {
    if (input instanceof Read) {
      if (output.isEmpty()) {
        return Optional.of(state);
      }
      Value seen = Values.expect(output.get(), Value.class, input);
      return seen.value().equals(state) ? Optional.of(state) : Optional.empty();
    }
    if (input instanceof Write write) {
      output.ifPresent(o -> Values.expect(o, Ok.class, input));
      return Optional.of(Optional.of(write.value()));
    }
    Cas cas = (Cas) input;
    boolean matches = cas.expected().equals(state);
    if (output.isPresent()
        && Values.expect(output.get(), CasResult.class, input).succeeded() != matches) {
      return Optional.empty();
    }
    return Optional.of(matches ? Optional.of(cas.value()) : state);
  }
}
