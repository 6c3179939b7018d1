package io.synod.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatsTest {

  @Test
  void cpuTicksAreUtimePlusStimeCountedAfterTheCommandName() {
    // A command name with spaces and parentheses must not shift the fields.
    String stat =
        "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 700 55 0 0 20 0 31 0 1000"
            + " 123456789 4567 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcStats.parseCpuTicks(stat)).isEqualTo(755);
    assertThatThrownBy(() -> ProcStats.parseCpuTicks("4242 java S 1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void peakRssIsVmHwmInKibibytes() {
    assertThat(
            ProcStats.parseVmHwmKib(
                List.of(
                    "Name:\tetcd", "VmPeak:\t 11826080 kB", "VmHWM:\t   56320 kB", "VmRSS: 1 kB")))
        .isEqualTo(56_320);
    assertThat(ProcStats.parseVmHwmKib(List.of("Name:\tkthreadd"))).isEqualTo(-1);
  }

  @Test
  void thisProcessHasCpuTimeAndAPeak() {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStats.cpuTicks(pid)).isGreaterThanOrEqualTo(0);
    assertThat(ProcStats.peakRssKib(pid)).isPositive();
    assertThat(ProcStats.cpuTicks(-5)).isEqualTo(-1);
  }
}
