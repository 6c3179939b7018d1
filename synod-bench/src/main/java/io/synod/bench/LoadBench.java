package io.synod.bench;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/synod-bench load}: one workload against a running cluster that speaks the etcd v3 gRPC
 * API (etcd or Synod). Prints one JSON line on standard output; progress and a summary go to
 * standard error.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description =
        "etcd v3 API load generator: runs one workload against --endpoints and prints one JSON"
            + " line (throughput, latency percentiles in µs, errors).")
public final class LoadBench implements Callable<Integer> {

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      description = "client endpoints, host:port or http://host:port (default: ${DEFAULT-VALUE})")
  List<String> endpoints;

  @Option(
      names = "--target",
      defaultValue = "",
      description = "a name for the target in the JSON line (default: the endpoints)")
  String target;

  @Option(
      names = "--workload",
      defaultValue = "put",
      description = "one of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
      completionCandidates = WorkloadNames.class)
  Workload workload;

  @Option(
      names = "--clients",
      defaultValue = "16",
      description = "concurrent requests in flight (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(
      names = "--conns",
      defaultValue = "4",
      description =
          "gRPC channels (connections), spread over the endpoints (default: ${DEFAULT-VALUE})")
  int conns;

  @Option(
      names = "--keys",
      defaultValue = "10000",
      description = "key space; for lock, the number of lock names (default: ${DEFAULT-VALUE})")
  int keys;

  @Option(
      names = "--value-size",
      defaultValue = "256",
      description = "bytes per value (default: ${DEFAULT-VALUE})")
  int valueBytes;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "measured seconds (default: ${DEFAULT-VALUE})")
  int seconds;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description =
          "seconds of load before the measured window, not counted (default: ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description =
          "0: closed loop; R > 0: open loop at R operations/s, latency counted from each"
              + " operation's due time (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(
      names = "--keys-per-watcher",
      defaultValue = "100",
      description = "watch: consecutive keys per watch stream (default: ${DEFAULT-VALUE})")
  int keysPerWatcher;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "seed of the clients' key choice (default: ${DEFAULT-VALUE})")
  long seed;

  public static void main(String[] args) {
    System.exit(commandLine(new LoadBench()).execute(args));
  }

  static CommandLine commandLine(Object command) {
    return new CommandLine(command).registerConverter(Workload.class, Workload::parse);
  }

  /** The run the options describe. */
  LoadSpec spec() {
    try {
      endpoints.forEach(EtcdChannels.HostPort::parse);
      return new LoadSpec(
          workload,
          clients,
          conns,
          keys,
          valueBytes,
          seconds,
          warmupSeconds,
          rate,
          keysPerWatcher,
          seed);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(this), e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    LoadSpec spec = spec();
    String name = target.isEmpty() ? String.join(",", endpoints) : target;
    System.err.printf(
        "load: %s against %s, %d clients over %d conns, %d s warm-up + %d s%n",
        spec.workload().cliName(),
        name,
        spec.clients(),
        spec.conns(),
        spec.warmupSeconds(),
        spec.seconds());
    LoadResult r = LoadRun.run(spec, name, endpoints, LoadRun.Window.NONE);
    System.out.println(r.toJson());
    System.out.flush();
    if (r.supported()) {
      System.err.printf(
          "load: %.0f ops/s, %s, %d errors%n", r.throughput(), r.latency(), r.errors());
    } else {
      System.err.println("load: unsupported by the target: " + r.unsupported());
    }
    return 0;
  }

  /** The workloads' command-line names, for the help text. */
  static final class WorkloadNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Arrays.stream(Workload.values()).map(Workload::cliName).iterator();
    }
  }
}
