package io.synod.server.cluster;

/**
 * A raised alarm: etcd's {@code AlarmMember}. Ordered by type, then member (the order {@code alarm
 * list} shows).
 *
 * @param memberId the member that raised it
 * @param type what it is about
 */
public record Alarm(long memberId, Type type) implements Comparable<Alarm> {
  /** etcd's {@code AlarmType}; the numbers are the proto's. */
  public enum Type {
    NONE(0),
    /** The backend quota ({@code --quota-backend-bytes}) is exhausted: writes are refused. */
    NOSPACE(1),
    /** Replicas disagree on their data (etcd 3.4 raises it on a corruption check). */
    CORRUPT(2);

    private final int number;

    Type(int number) {
      this.number = number;
    }

    public int number() {
      return number;
    }

    /**
     * The type with proto number {@code n}.
     *
     * @throws IllegalArgumentException if there is none
     */
    public static Type of(int n) {
      for (Type t : values()) {
        if (t.number == n) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown alarm type " + n);
    }
  }

  @Override
  public int compareTo(Alarm o) {
    int c = Integer.compare(type.number, o.type.number);
    return c != 0 ? c : Long.compareUnsigned(memberId, o.memberId);
  }

  /** As etcd prints an {@code AlarmMember} (its proto text form, with the trailing space). */
  @Override
  public String toString() {
    return "memberID:" + Long.toUnsignedString(memberId) + " alarm:" + type.name() + " ";
  }
}
