package io.synod.bench;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.storage.WalCodec;
import io.synod.storage.WalRecord;
import io.synod.storage.WalRecord.EntryRecord;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode throughput of one entry record (CRC32C included), the CPU cost the log pays per
 * entry besides the write and the fsync. Run with {@code bin/synod-bench jmh WalCodecBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WalCodecBench {
  @Param({"64", "256", "4096"})
  public int valueBytes;

  private WalRecord record;
  private ByteBuffer out;
  private ByteBuffer encoded;

  @Setup
  public void setUp() {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(1).nextBytes(value);
    record = new EntryRecord(1, Entry.normal(3, 42, Bytes.wrapOwned(value)));
    out = ByteBuffer.allocate(WalCodec.encodedSize(record));
    encoded = ByteBuffer.allocate(WalCodec.encodedSize(record) + WalCodec.HEADER_BYTES);
    WalCodec.encode(record, encoded);
    encoded.flip();
  }

  @Benchmark
  public ByteBuffer encode() {
    out.clear();
    WalCodec.encode(record, out);
    return out;
  }

  @Benchmark
  public WalCodec.Decoded decode() {
    return WalCodec.decode(encoded);
  }
}
