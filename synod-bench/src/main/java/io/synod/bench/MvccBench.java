package io.synod.bench;

import io.synod.common.Bytes;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvConfig;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RangeRequest;
import io.synod.raft.Entry;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MVCC store through the state machine's public entry points, on a store preloaded with {@code
 * keys} keys ({@code key/00000000} ...) of {@code valueBytes} each, a key drawn at random per call:
 *
 * <ul>
 *   <li>{@code put}: {@link KvStateMachine#apply} of a log entry holding an encoded Put of a {@code
 *       valueBytes} value to an existing key, as the replica loop applies it (decode the command,
 *       write a new revision, encode the response). Commands are encoded in setup. The history the
 *       puts pile up is compacted between iterations, outside the measurement.
 *   <li>{@code get}: {@link KvStateMachine#range} of one key (a point range, as a linearizable read
 *       is served once its index is applied).
 *   <li>{@code range100}: {@link KvStateMachine#range} of 100 consecutive keys.
 * </ul>
 *
 * The random draw (a {@link SplittableRandom}, a few ns) is included in each. Run with {@code
 * bin/synod-bench jmh MvccBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MvccBench {
  private static final int RANGE_KEYS = 100;

  @Param({"100000"})
  public int keys;

  @Param({"256"})
  public int valueBytes;

  private KvStateMachine sm;
  private Bytes[] keyBytes;
  private Bytes[] putEntries;
  private long index;
  private SplittableRandom random;

  @Setup
  public void setUp() {
    sm = new KvStateMachine(KvConfig.defaults());
    random = new SplittableRandom(42);
    byte[] raw = new byte[valueBytes];
    random.nextBytes(raw);
    Bytes value = Bytes.wrapOwned(raw);
    keyBytes = new Bytes[keys];
    putEntries = new Bytes[keys];
    for (int k = 0; k < keys; k++) {
      keyBytes[k] = Bytes.utf8(String.format("key/%08d", k));
      putEntries[k] = KvCodec.encode(new KvCommand.Put(keyBytes[k], value, 0, false, false, false));
      KvResponse r = KvCodec.decodeResponse(sm.apply(Entry.normal(1, ++index, putEntries[k])));
      check(r instanceof KvResponse.Put, "preload put failed: " + r);
    }
    check(sm.keyCount() == keys, "preloaded " + sm.keyCount() + " keys, not " + keys);
    verify();
  }

  /** Drops the versions puts stacked up, so memory stays bounded; not measured. */
  @TearDown(Level.Iteration)
  public void compactAndVerify() {
    if (sm.revision() > sm.compactRevision()) {
      KvResponse r = sm.applyCommand(new KvCommand.Compact(sm.revision(), false), ++index);
      check(r instanceof KvResponse.Compact, "compaction failed: " + r);
    }
    verify();
  }

  /** Every key is still there; a get finds one and a range finds 100. */
  private void verify() {
    check(sm.keyCount() == keys, "the store holds " + sm.keyCount() + " keys, not " + keys);
    for (int k : new int[] {0, keys / 2, keys - 1}) {
      KvResponse.Range one = (KvResponse.Range) sm.range(RangeRequest.single(keyBytes[k]));
      check(
          one.kvs().size() == 1 && one.kvs().get(0).value().size() == valueBytes,
          "get did not find " + keyBytes[k]);
    }
    KvResponse.Range many =
        (KvResponse.Range) sm.range(RangeRequest.of(keyBytes[0], keyBytes[RANGE_KEYS]));
    check(many.kvs().size() == RANGE_KEYS, "range found " + many.kvs().size() + " keys");
  }

  @Benchmark
  public Bytes put() {
    return sm.apply(Entry.normal(1, ++index, putEntries[random.nextInt(keys)]));
  }

  @Benchmark
  public KvResponse get() {
    return sm.range(RangeRequest.single(keyBytes[random.nextInt(keys)]));
  }

  @Benchmark
  public KvResponse range100() {
    int k = random.nextInt(keys - RANGE_KEYS);
    return sm.range(RangeRequest.of(keyBytes[k], keyBytes[k + RANGE_KEYS]));
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
