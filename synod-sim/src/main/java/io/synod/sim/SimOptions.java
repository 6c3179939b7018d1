package io.synod.sim;

import java.util.SplittableRandom;

/**
 * The shape of one simulated run, drawn from its seed, swarm-style (Groce et al., "Swarm Testing"):
 * each seed picks its own cluster size, workload and fault rates, some of them zero, so that across
 * seeds the simulator explores both calm and violent worlds and rare combinations.
 */
record SimOptions(
    int nodes,
    int spareNodes,
    int clients,
    int keys,
    long safetyMicros,
    long livenessBoundMicros,
    long tickMicros,
    double clockSkew,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    long appendBytesMax,
    int inflightAppends,
    int snapshotChunkBytes,
    long snapshotEntries,
    long retainEntries,
    double dropRate,
    double duplicateRate,
    long delayMinMicros,
    long delayMaxMicros,
    double longDelayRate,
    long partitionMeanMicros,
    double asymmetricPartitionRate,
    long crashMeanMicros,
    double syncCrashRate,
    long pauseMeanMicros,
    long membershipMeanMicros,
    long transferMeanMicros,
    long clientTimeoutMicros,
    long thinkMicrosMax,
    double readRatio,
    double casRatio,
    double clientHopRate,
    boolean buggify,
    double strikeRate) {

  /** Draws the options for a seed; {@code nodesOverride > 0} fixes the founding cluster size. */
  static SimOptions draw(SplittableRandom r, int nodesOverride) {
    int nodes = nodesOverride > 0 ? nodesOverride : pick(r, 1, 3, 3, 3, 5, 5, 7);
    int electionTicks = 5 + r.nextInt(16);
    int heartbeatTicks = 1 + r.nextInt(Math.max(1, electionTicks / 4));
    long tickMicros = 5_000 + r.nextInt(15_001);
    SimOptions o =
        new SimOptions(
            nodes,
            r.nextInt(3),
            1 + r.nextInt(6),
            1 + r.nextInt(5),
            4_000_000L + r.nextLong(16_000_000L),
            // Liveness: generous next to the election timeout; progress must come well within it.
            60L * electionTicks * tickMicros + 5_000_000L,
            tickMicros,
            chance(r, 0.5) ? r.nextDouble() * 0.3 : 0,
            electionTicks,
            heartbeatTicks,
            chance(r, 0.8),
            chance(r, 0.75),
            chance(r, 0.3) ? 64 + r.nextInt(512) : 1 << 20,
            chance(r, 0.3) ? 1 + r.nextInt(4) : 64,
            chance(r, 0.5) ? 16 + r.nextInt(256) : 1 << 16,
            chance(r, 0.6) ? 3 + r.nextInt(60) : 1000,
            r.nextInt(8),
            rate(r, 0.6, 0.2),
            rate(r, 0.3, 0.1),
            50 + r.nextInt(500),
            1_000 + r.nextInt(20_000),
            rate(r, 0.4, 0.05),
            mean(r, 0.6, 300_000, 3_000_000),
            r.nextDouble(),
            mean(r, 0.6, 300_000, 4_000_000),
            rate(r, 0.4, 0.02),
            mean(r, 0.4, 500_000, 5_000_000),
            mean(r, 0.5, 300_000, 3_000_000),
            mean(r, 0.4, 300_000, 3_000_000),
            200_000 + r.nextInt(2_000_000),
            r.nextInt(30_000),
            0.2 + r.nextDouble() * 0.5,
            r.nextDouble() * 0.5,
            // How often a client sends an operation to a random replica instead of the one it used
            // last.
            chance(r, 0.5) ? r.nextDouble() : 0.1,
            chance(r, 0.5),
            0);
    return chance(r, 0.2) ? o.churn(r) : o;
  }

  /**
   * Leader churn, the world of the Raft paper's Figure 8: one entry per append, a tiny inflight
   * window, and leaders killed, isolated or replaced every one to four election timeouts while
   * clients keep writing, so followers lag and uncommitted entries of many terms pile up.
   */
  private SimOptions churn(SplittableRandom r) {
    long electionMicros = (long) electionTicks * tickMicros;
    return new SimOptions(
        nodes,
        spareNodes,
        Math.max(clients, 3),
        keys,
        safetyMicros,
        livenessBoundMicros,
        tickMicros,
        clockSkew,
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        64,
        1 + r.nextInt(2),
        snapshotChunkBytes,
        snapshotEntries,
        retainEntries,
        dropRate,
        duplicateRate,
        delayMinMicros,
        delayMaxMicros,
        longDelayRate,
        electionMicros * (1 + r.nextInt(4)),
        asymmetricPartitionRate,
        electionMicros * (1 + r.nextInt(4)),
        syncCrashRate,
        pauseMeanMicros,
        membershipMeanMicros,
        electionMicros * (2 + r.nextInt(4)),
        clientTimeoutMicros,
        thinkMicrosMax / 4,
        readRatio,
        casRatio,
        clientHopRate,
        buggify,
        0.05 + r.nextDouble() * 0.25);
  }

  private static int pick(SplittableRandom r, int... choices) {
    return choices[r.nextInt(choices.length)];
  }

  private static boolean chance(SplittableRandom r, double p) {
    return r.nextDouble() < p;
  }

  /** With probability {@code on}, a rate up to {@code max}; otherwise zero. */
  private static double rate(SplittableRandom r, double on, double max) {
    return chance(r, on) ? r.nextDouble() * max : 0;
  }

  /** With probability {@code on}, a mean interval in [min, max]; otherwise 0 (the fault is off). */
  private static long mean(SplittableRandom r, double on, long min, long max) {
    return chance(r, on) ? min + r.nextLong(max - min) : 0;
  }

  /** One line that says what this seed exercises. */
  String summary() {
    return String.format(
        java.util.Locale.ROOT,
        "nodes=%d+%d clients=%d keys=%d safety=%.1fs tick=%dus election=%d hb=%d prevote=%b"
            + " checkquorum=%b drop=%.3f dup=%.3f delay=%d..%dus partition=%dus crash=%dus"
            + " synccrash=%.3f pause=%dus membership=%dus transfer=%dus snapshot=%d/%d"
            + " buggify=%b strike=%.2f",
        nodes,
        spareNodes,
        clients,
        keys,
        safetyMicros / 1e6,
        tickMicros,
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        dropRate,
        duplicateRate,
        delayMinMicros,
        delayMaxMicros,
        partitionMeanMicros,
        crashMeanMicros,
        syncCrashRate,
        pauseMeanMicros,
        membershipMeanMicros,
        transferMeanMicros,
        snapshotEntries,
        retainEntries,
        buggify,
        strikeRate);
  }
}
