package io.synod.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoadResultTest {
  private static final LoadSpec SPEC = new LoadSpec(Workload.PUT, 64, 6, 1000, 256, 3, 1, 0, 1, 1);

  @Test
  void latencyPercentilesAreMicrosecondsOfTheNanosecondHistogram() {
    Histogram h = new Histogram(LoadStats.LATENCY_NANOS_MAX, 3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1_000L); // 1 µs .. 1000 µs
    }
    LoadResult.Latency l = LoadResult.Latency.of(h);
    assertThat(l.count()).isEqualTo(1000);
    assertThat(l.p50Micros()).isEqualTo(500);
    assertThat(l.p90Micros()).isEqualTo(900);
    assertThat(l.p99Micros()).isEqualTo(990);
    assertThat(l.p999Micros()).isEqualTo(999);
    assertThat(l.maxMicros()).isEqualTo(1000);
    assertThat(l.meanMicros()).isBetween(500.0, 501.0);
    assertThat(LoadResult.Latency.of(new Histogram(3))).isEqualTo(LoadResult.Latency.NONE);
  }

  @Test
  void aRunIsOneJsonLineWithTheIssuesFields() {
    Histogram h = new Histogram(LoadStats.LATENCY_NANOS_MAX, 3);
    h.recordValue(2_000_000);
    h.recordValue(4_000_000);
    LoadResult r =
        new LoadResult(
            SPEC,
            "etcd",
            List.of("127.0.0.1:1", "127.0.0.1:2"),
            "",
            2.0,
            2,
            1,
            0,
            LoadResult.Latency.of(h),
            LoadResult.Latency.NONE,
            Map.of("UNAVAILABLE", 1L),
            "UNAVAILABLE: no leader",
            Map.of(),
            new CpuMeter.Usage(10, 50, 1000, 5));
    String json = r.toJson().toString();
    assertThat(json).doesNotContain("\n");
    assertThat(json)
        .startsWith("{\"workload\":\"put\",\"target\":\"etcd\"")
        .contains("\"endpoints\":\"127.0.0.1:1,127.0.0.1:2\"")
        .contains("\"clients\":64,\"conns\":6,\"keys\":1000,\"value_size\":256")
        .contains("\"loop\":\"closed\"")
        .contains("\"ops\":2,\"errors\":1,\"retries\":0,\"throughput\":1.000")
        .contains("\"p50_us\":2001,") // the highest value equivalent to 2 ms at 3 digits
        .contains("\"p99_us\":4002,")
        .contains("\"max_us\":4002")
        .contains("\"error_codes\":{\"UNAVAILABLE\":1}")
        .contains("\"first_error\":\"UNAVAILABLE: no leader\"")
        .doesNotContain("put_p50_us")
        .doesNotContain("unsupported");
  }

  @Test
  void anUnsupportedRunSaysSoAndCarriesNoFigures() {
    String json =
        LoadResult.unsupported(SPEC, "synod", List.of("a:1"), "UNIMPLEMENTED: Method not found")
            .toJson()
            .toString();
    assertThat(json)
        .contains("\"unsupported\":true")
        .contains("\"note\":\"UNIMPLEMENTED: Method not found\"")
        .doesNotContain("p50_us")
        .doesNotContain("throughput");
  }
}
