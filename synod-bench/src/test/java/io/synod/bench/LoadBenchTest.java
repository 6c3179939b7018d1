package io.synod.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadBenchTest {

  private static LoadBench parse(String... args) {
    LoadBench bench = new LoadBench();
    LoadBench.commandLine(bench).parseArgs(args);
    return bench;
  }

  @Test
  void defaultsDescribeAClosedLoopPutRun() {
    LoadBench b = parse();
    LoadSpec s = b.spec();
    assertThat(b.endpoints).containsExactly("127.0.0.1:2379");
    assertThat(s.workload()).isEqualTo(Workload.PUT);
    assertThat(s.clients()).isEqualTo(16);
    assertThat(s.conns()).isEqualTo(4);
    assertThat(s.keys()).isEqualTo(10_000);
    assertThat(s.valueBytes()).isEqualTo(256);
    assertThat(s.openLoop()).isFalse();
  }

  @Test
  void everyOptionReachesTheSpec() {
    LoadSpec s =
        parse(
                "--endpoints",
                "http://127.0.0.1:2379,127.0.0.1:2380",
                "--workload",
                "range-serializable",
                "--clients",
                "64",
                "--conns",
                "8",
                "--keys",
                "500",
                "--value-size",
                "1024",
                "--seconds",
                "7",
                "--warmup",
                "0",
                "--rate",
                "250.5",
                "--keys-per-watcher",
                "20",
                "--seed",
                "9")
            .spec();
    assertThat(s)
        .isEqualTo(new LoadSpec(Workload.RANGE_SERIALIZABLE, 64, 8, 500, 1024, 7, 0, 250.5, 20, 9));
    assertThat(s.openLoop()).isTrue();
  }

  @Test
  void workloadsParseByTheirCommandLineNames() {
    for (Workload w : Workload.values()) {
      assertThat(parse("--workload", w.cliName()).spec().workload()).isEqualTo(w);
    }
    assertThatThrownBy(() -> parse("--workload", "delete"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("txn-cas");
  }

  @Test
  void outOfRangeOptionsAreUsageErrors() {
    for (List<String> args :
        List.of(
            List.of("--clients", "0"),
            List.of("--conns", "0"),
            List.of("--keys", "0"),
            List.of("--seconds", "0"),
            List.of("--rate", "-1"),
            List.of("--workload", "watch", "--value-size", "4"))) {
      LoadBench b = parse(args.toArray(String[]::new));
      assertThatThrownBy(b::spec).as("%s", args).isInstanceOf(CommandLine.ParameterException.class);
    }
  }

  @Test
  void endpointsParseWithOrWithoutScheme() {
    assertThat(EtcdChannels.HostPort.parse("http://127.0.0.1:2379/"))
        .isEqualTo(new EtcdChannels.HostPort("127.0.0.1", 2379));
    assertThat(EtcdChannels.HostPort.parse("localhost:23790"))
        .isEqualTo(new EtcdChannels.HostPort("localhost", 23790));
    assertThatThrownBy(() -> EtcdChannels.HostPort.parse("https://h:1"))
        .hasMessageContaining("plaintext");
    assertThatThrownBy(() -> EtcdChannels.HostPort.parse("h")).hasMessageContaining("host:port");
    assertThatThrownBy(() -> EtcdChannels.HostPort.parse("h:99999")).hasMessageContaining("range");
  }

  @Test
  void keysAreFixedWidthSoRangesFollowIndexOrder() {
    KeySpace keys = new KeySpace(1000, 16, 1);
    assertThat(keys.key(7).toStringUtf8()).isEqualTo("bench/k/00000007");
    assertThat(keys.key(999).toStringUtf8()).isEqualTo("bench/k/00000999");
    // The end of the whole space is a valid range end, above every key.
    assertThat(keys.key(1000).toStringUtf8()).isEqualTo("bench/k/00001000");
    assertThat(keys.key(999).toStringUtf8()).isLessThan(keys.key(1000).toStringUtf8());
    assertThat(keys.value().size()).isEqualTo(16);
    assertThat(WatchLoad.watcherCount(1000, 100)).isEqualTo(10);
    assertThat(WatchLoad.watcherCount(1001, 100)).isEqualTo(11);
  }

  @Test
  void aPrefixRangeEndsAfterItsLastKey() {
    assertThat(LockRecipeLoad.prefixEnd(ByteString.copyFromUtf8("bench/lock/0000/")))
        .isEqualTo(ByteString.copyFromUtf8("bench/lock/00000"));
    assertThat(LockRecipeLoad.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff})))
        .isEqualTo(ByteString.copyFromUtf8("b"));
    assertThat(LockRecipeLoad.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xff})))
        .isEqualTo(ByteString.copyFrom(new byte[] {0}));
  }

  @Test
  void watchStampsRoundTripAnyNanoTime() {
    for (long t : new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 123_456_789_012L}) {
      assertThat(WatchLoad.stampOf(WatchLoad.stamp(t))).isEqualTo(t);
    }
  }
}
