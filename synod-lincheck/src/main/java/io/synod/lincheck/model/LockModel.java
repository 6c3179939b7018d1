package io.synod.lincheck.model;

import io.synod.lincheck.Model;
import java.util.Objects;
import java.util.Optional;

/**
 * A mutex that hands out fencing tokens. A history is legal iff at most one owner holds the lock at
 * a time and the tokens of successive acquisitions strictly increase (so a resource can reject a
 * stale holder's writes). Acquiring blocks until granted, so an acquisition is recorded only once
 * it is granted, or as unknown. The lock is not reentrant, and it is freed only by a release: a
 * lease that expires under a holder needs its own input, which this model does not have yet.
 * Stateless and thread-safe; use {@link #INSTANCE}.
 *
 * <p><b>Unknown outcomes.</b> An acquisition whose answer was lost did, if it took effect, get some
 * token the history never saw. The state then records the holder with only a lower bound on its
 * token, and raises the bound on the next token by one, the least any real token could have raised
 * it. A later successful release by that owner reveals the token. Where the state cannot tell
 * whether a release matched (an unknown token), {@code false} is accepted without learning from it:
 * that can only miss a violation, never report a false one.
 *
 * <p>An input paired with an output of the wrong kind is a bug in whoever built the history: {@link
 * #step} throws {@link IllegalArgumentException}.
 */
public final class LockModel implements Model<LockModel.State, LockModel.Input, LockModel.Output> {
  /** The one instance; the model has no configuration. */
  public static final LockModel INSTANCE = new LockModel();

  private LockModel() {}

  /** What a client asks of the lock. */
  public sealed interface Input {
    /** Waits for the lock; answered with {@link Output#token}. */
    static Input acquire(String owner) {
      return new Acquire(owner);
    }

    /** Gives the lock back; answered with {@link Output#released}. */
    static Input release(String owner, long token) {
      return new Release(owner, token);
    }
  }

  /** See {@link Input#acquire}. */
  public record Acquire(String owner) implements Input {
    public Acquire {
      Objects.requireNonNull(owner, "owner");
    }

    @Override
    public String toString() {
      return "acquire(" + owner + ")";
    }
  }

  /** See {@link Input#release}. */
  public record Release(String owner, long token) implements Input {
    public Release {
      Objects.requireNonNull(owner, "owner");
    }

    @Override
    public String toString() {
      return "release(" + owner + ", " + token + ")";
    }
  }

  /** What the lock answered. */
  public sealed interface Output {
    /** The answer to an acquisition: the fencing token granted; below {@code Long.MAX_VALUE}. */
    static Output token(long token) {
      return new Token(token);
    }

    /** The answer to a release: true iff the caller held the lock with that token. */
    static Output released(boolean ok) {
      return new Released(ok);
    }
  }

  /** See {@link Output#token}. */
  public record Token(long token) implements Output {
    public Token {
      if (token == Long.MAX_VALUE) {
        throw new IllegalArgumentException("a fencing token must be below Long.MAX_VALUE");
      }
    }

    @Override
    public String toString() {
      return "token " + token;
    }
  }

  /** See {@link Output#released}. */
  public record Released(boolean ok) implements Output {
    @Override
    public String toString() {
      return ok ? "released" : "not held";
    }
  }

  /**
   * Who holds the lock. {@code tokenKnown} false means the acquisition's answer was lost: its token
   * is some value at least {@code tokenMin}.
   */
  public record Holder(String owner, long tokenMin, boolean tokenKnown) {
    public Holder {
      Objects.requireNonNull(owner, "owner");
    }

    boolean matches(Release release) {
      return owner.equals(release.owner())
          && (tokenKnown
              ? release.token() == tokenMin
              : release.token() >= tokenMin && release.token() < Long.MAX_VALUE);
    }

    @Override
    public String toString() {
      return owner + (tokenKnown ? " with token " + tokenMin : " with a token >= " + tokenMin);
    }
  }

  /**
   * The lock's state: its holder, if any, and the least token the next acquisition may get ({@code
   * Long.MIN_VALUE} before any).
   */
  public record State(Optional<Holder> holder, long nextTokenMin) {
    public State {
      Objects.requireNonNull(holder, "holder");
    }

    @Override
    public String toString() {
      String who = holder.map(h -> "held by " + h).orElse("free");
      return nextTokenMin == Long.MIN_VALUE ? who : who + ", next token >= " + nextTokenMin;
    }
  }

  @Override
  public State initialState() {
    return new State(Optional.empty(), Long.MIN_VALUE);
  }

  @Override
  public Optional<State> step(State state, Input input, Optional<Output> output) {
    if (input instanceof Acquire acquire) {
      if (state.holder().isPresent()) {
        return Optional.empty();
      }
      if (output.isEmpty()) {
        if (state.nextTokenMin() == Long.MAX_VALUE) {
          return Optional.empty(); // no token is left to grant
        }
        Holder holder = new Holder(acquire.owner(), state.nextTokenMin(), false);
        return Optional.of(new State(Optional.of(holder), state.nextTokenMin() + 1));
      }
      long token = Values.expect(output.get(), Token.class, input).token();
      if (token < state.nextTokenMin()) {
        return Optional.empty();
      }
      return Optional.of(
          new State(Optional.of(new Holder(acquire.owner(), token, true)), token + 1));
    }
    Release release = (Release) input;
    boolean matches = state.holder().filter(h -> h.matches(release)).isPresent();
    if (output.isPresent()) {
      boolean ok = Values.expect(output.get(), Released.class, input).ok();
      boolean certain = state.holder().map(Holder::tokenKnown).orElse(true);
      if (ok != matches && (ok || certain)) {
        return Optional.empty();
      }
      if (!ok) {
        return Optional.of(state);
      }
    } else if (!matches) {
      return Optional.of(state);
    }
    long nextTokenMin = Math.max(state.nextTokenMin(), release.token() + 1);
    return Optional.of(new State(Optional.empty(), nextTokenMin));
  }
}
