package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {

  @Test
  void windowIsFullAfterCountMaxMessages() {
    Inflights in = new Inflights(3, 1_000);
    in.add(1, 10);
    in.add(2, 10);
    assertThat(in.isFull()).isFalse();

    in.add(3, 10);

    assertThat(in.isFull()).isTrue();
    assertThat(in.count()).isEqualTo(3);
    assertThat(in.bytes()).isEqualTo(30);
  }

  @Test
  void windowIsFullOnceBytesReachBytesMax() {
    Inflights in = new Inflights(10, 100);
    in.add(1, 60);
    assertThat(in.isFull()).isFalse();

    in.add(2, 40);

    assertThat(in.isFull()).isTrue();
    assertThat(in.count()).isEqualTo(2);
  }

  @Test
  void aSingleLargeMessageMayOvershootTheByteLimit() {
    Inflights in = new Inflights(10, 100);
    in.add(1, 99);

    in.add(2, 5_000);

    assertThat(in.bytes()).isEqualTo(5_099);
    assertThat(in.isFull()).isTrue();
  }

  @Test
  void addingToAFullWindowIsAnInvariantViolation() {
    Inflights in = new Inflights(1, 100);
    in.add(1, 1);

    assertThatThrownBy(() -> in.add(2, 1)).isInstanceOf(AssertionError.class);
  }

  @Test
  void addingOutOfOrderIsAnInvariantViolation() {
    Inflights in = new Inflights(4, 100);
    in.add(5, 1);

    assertThatThrownBy(() -> in.add(5, 1)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> in.add(4, 1)).isInstanceOf(AssertionError.class);
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void freeLessOrEqualFreesOnlyTheAcknowledgedPrefix() {
    Inflights in = new Inflights(5, 1_000);
    in.add(3, 10);
    in.add(6, 20);
    in.add(9, 30);

    in.freeLessOrEqual(7);

    assertThat(in.count()).isEqualTo(1);
    assertThat(in.bytes()).isEqualTo(30);
    in.freeLessOrEqual(8);
    assertThat(in.count()).isEqualTo(1);
    in.freeLessOrEqual(9);
    assertThat(in.count()).isZero();
    assertThat(in.bytes()).isZero();
  }

  @Test
  void freeingAStaleIndexFreesNothing() {
    Inflights in = new Inflights(5, 1_000);
    in.add(3, 10);

    in.freeLessOrEqual(2);

    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void freeingMakesRoomInAFullWindow() {
    Inflights in = new Inflights(2, 1_000);
    in.add(1, 10);
    in.add(2, 10);

    in.freeLessOrEqual(1);

    assertThat(in.isFull()).isFalse();
    in.add(3, 10);
    assertThat(in.isFull()).isTrue();
  }

  @Test
  void freeFirstFreesExactlyTheOldestMessage() {
    Inflights in = new Inflights(3, 1_000);
    in.add(4, 10);
    in.add(7, 20);
    in.add(8, 30);

    in.freeFirst();

    assertThat(in.count()).isEqualTo(2);
    assertThat(in.bytes()).isEqualTo(50);
  }

  @Test
  void freeFirstOnAnEmptyWindowDoesNothing() {
    Inflights in = new Inflights(3, 1_000);

    in.freeFirst();

    assertThat(in.count()).isZero();
    in.add(1, 1);
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void resetEmptiesTheWindowAndForgetsTheLastIndex() {
    Inflights in = new Inflights(2, 100);
    in.add(10, 60);
    in.add(11, 60);

    in.reset();

    assertThat(in.count()).isZero();
    assertThat(in.bytes()).isZero();
    assertThat(in.isFull()).isFalse();
    // After a reset the leader resends from match + 1, below what was in flight.
    in.add(5, 1);
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void ringBufferWrapsAround() {
    Inflights in = new Inflights(3, 1_000);
    long next = 1;
    // Many times around the ring, keeping it two or three deep.
    in.add(next++, 1);
    in.add(next++, 2);
    for (int round = 0; round < 20; round++) {
      in.add(next, next);
      assertThat(in.isFull()).isTrue();
      in.freeLessOrEqual(next - 2);
      assertThat(in.count()).isEqualTo(2);
      assertThat(in.bytes()).isEqualTo((next - 1) + next);
      next++;
    }
    in.freeLessOrEqual(next - 2);
    assertThat(in.count()).isEqualTo(1);
    in.freeLessOrEqual(next - 1);
    assertThat(in.count()).isZero();
  }

  @Test
  void freeingAcrossTheWrapPointKeepsOrder() {
    Inflights in = new Inflights(4, 1_000);
    in.add(1, 1);
    in.add(2, 1);
    in.add(3, 1);
    in.freeLessOrEqual(2);
    // Slots: start is 2, so 4 and 5 land in slots 3 and 0.
    in.add(4, 1);
    in.add(5, 1);
    in.add(6, 1);
    assertThat(in.isFull()).isTrue();

    in.freeLessOrEqual(4);

    assertThat(in.count()).isEqualTo(2);
    assertThatThrownBy(() -> in.add(6, 1)).isInstanceOf(AssertionError.class);
    in.add(7, 1);
    in.freeLessOrEqual(6);
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void limitsMustBePositive() {
    assertThatThrownBy(() -> new Inflights(0, 10)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> new Inflights(1, 0)).isInstanceOf(AssertionError.class);
  }
}
