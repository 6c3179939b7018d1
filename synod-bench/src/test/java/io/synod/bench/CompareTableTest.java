package io.synod.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareTableTest {
  private static final CompareTable.Side SYNOD =
      CompareTable.Side.ok(1500, 2000, 9000, 120.4, 0, 3);
  private static final CompareTable.Side ETCD =
      CompareTable.Side.ok(1000, 4000, 6000, 300, 2, 12.5);

  @Test
  void ratiosAreSynodOverEtcd() {
    assertThat(CompareTable.ratio(SYNOD, ETCD, 1500, 1000)).isEqualTo("1.50");
    assertThat(CompareTable.ratio(SYNOD, ETCD, 2000, 4000)).isEqualTo("0.50");
    assertThat(CompareTable.ratio(SYNOD, ETCD, 1, 0)).isEqualTo("–");
    CompareTable.Side unsupported =
        CompareTable.Side.notOk(CompareTable.State.UNSUPPORTED, "UNIMPLEMENTED");
    assertThat(CompareTable.ratio(unsupported, ETCD, 0, 1000)).isEqualTo("–");
  }

  @Test
  void numbersKeepThreeSignificantFiguresBelowAHundred() {
    assertThat(CompareTable.number(0)).isEqualTo("0");
    assertThat(CompareTable.number(3.14159)).isEqualTo("3.14");
    assertThat(CompareTable.number(31.4159)).isEqualTo("31.4");
    assertThat(CompareTable.number(314.159)).isEqualTo("314");
    assertThat(CompareTable.number(31_415.9)).isEqualTo("31416");
  }

  @Test
  void aRowShowsBothFiguresAndTheRatios() {
    String table = CompareTable.table(List.of(new CompareTable.Row("put-64", SYNOD, ETCD)));
    assertThat(table.lines().toList())
        .element(2)
        .isEqualTo(
            "| put-64 | 1500 | 1000 | 1.50 | 2000 | 4000 | 0.50 | 9000 | 6000 | 1.50 | 120 | 300 |"
                + " 0 / 2 | 3.00 / 12.5 |");
  }

  @Test
  void anUnsupportedWorkloadIsShownAndExplainedNotFailed() {
    CompareTable.Side unsupported =
        CompareTable.Side.notOk(
            CompareTable.State.UNSUPPORTED, "UNIMPLEMENTED: Method not found: v3lockpb.Lock/Lock");
    CompareTable.Side notRun = CompareTable.Side.notOk(CompareTable.State.NOT_RUN, "");
    String table =
        CompareTable.table(
            List.of(
                new CompareTable.Row("lock-16", unsupported, ETCD),
                new CompareTable.Row("put-1", notRun, ETCD)));
    List<String> lines = table.lines().toList();
    assertThat(lines.get(2))
        .startsWith("| lock-16 | unsupported | 1000 | – | unsupported | 4000 | – |")
        .endsWith("| – / 2 | – / 12.5 |");
    assertThat(lines.get(3)).startsWith("| put-1 | – | 1000 | – | – | 4000 | – |");
    assertThat(lines)
        .contains(
            "- lock-16, Synod unsupported: UNIMPLEMENTED: Method not found: v3lockpb.Lock/Lock");
  }

  @Test
  void peakRssIsPerMemberAndSummedInMebibytes() {
    String t =
        CompareTable.rssTable(
            List.of("synod", "etcd"), List.of(List.of(102_400L, 204_800L, 1_024L), List.of(-1L)));
    assertThat(t.lines().toList())
        .containsSubsequence("| synod | 100, 200, 1 | 301 |", "| etcd | ? | ? |");
  }
}
