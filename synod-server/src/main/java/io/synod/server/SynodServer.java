package io.synod.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.synod.common.SystemClock;
import io.synod.raft.RaftConfig;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.raft.replica.StateMachine;
import io.synod.server.client.ClientServer;
import io.synod.server.client.HttpRouter;
import io.synod.server.client.MemberEndpoints;
import io.synod.server.member.ClusterMembers;
import io.synod.server.member.DataDir;
import io.synod.server.member.MemberIds;
import io.synod.server.metrics.MetricsEndpoint;
import io.synod.server.metrics.ServerMetrics;
import io.synod.server.node.ForwardKind;
import io.synod.server.node.LoopHook;
import io.synod.server.node.NodeRunner;
import io.synod.server.node.Proposer;
import io.synod.server.peer.ForwardHandler;
import io.synod.server.peer.PeerRoster;
import io.synod.server.peer.PeerService;
import io.synod.server.peer.PeerStats;
import io.synod.server.peer.PeerTransport;
import io.synod.storage.FileLogStore;
import io.synod.storage.RealDisk;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One Synod member: the shell around one replica of Raft group {@value #GROUP_ID}.
 *
 * <pre>
 *   clients ──▶ ClientServer (gRPC h2c + HTTP/1.1, one port) ──▶ ClientApi services
 *                                                                   │ propose / read
 *   peers ──▶ peer server (PeerService) ──deliver──▶ NodeRunner ◀───┘  (Proposer forwards
 *                                                      │ thread        to the leader)
 *                                   ReplicaLoop ◀──────┘
 *                                   ├─ RaftNode
 *                                   ├─ FileLogStore (DIR/member/group-1)
 *                                   ├─ StateMachine
 *                                   └─ PeerTransport ──▶ other members' peer servers
 * </pre>
 *
 * Started by {@link #start}; stopped by {@link #close} in reverse order. Thread-safe.
 */
public final class SynodServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SynodServer.class.getName());

  /** The Raft group every member runs today (multi-Raft comes later; the id is explicit). */
  public static final long GROUP_ID = 1;

  /**
   * Knobs that are not etcd flags.
   *
   * @param storage the Raft log's file layout
   * @param retainEntries log entries kept behind a snapshot for slow followers (etcd: 5000)
   * @param snapshotLogPercent a snapshot waits for {@code --snapshot-count} entries and for a log
   *     of this percentage of the state's image ({@link
   *     io.synod.raft.replica.LoopConfig#snapshotLogPercent()}; default 100): with 177 MiB of
   *     uncompacted history, a snapshot every 100,000 puts wrote six bytes of image per byte of log
   * @param peers the peer transport's limits
   * @param grpcThreads threads serving client gRPC calls
   * @param completionThreads threads completing the replica loop's futures
   * @param sniffTimeout how long a client connection may take to show its protocol
   * @param healthTimeout how long {@code /health}'s linearizable read may take
   * @param joinTimeout how long a joining member's first start looks for a member to ask
   */
  public record Options(
      FileLogStore.Options storage,
      long retainEntries,
      long snapshotLogPercent,
      PeerTransport.Options peers,
      int grpcThreads,
      int completionThreads,
      Duration sniffTimeout,
      Duration healthTimeout,
      Duration joinTimeout) {
    public static Options defaults() {
      int cores = Runtime.getRuntime().availableProcessors();
      return new Options(
          FileLogStore.Options.defaults(),
          5_000,
          100,
          PeerTransport.Options.defaults(),
          Math.max(4, 2 * cores),
          2,
          Duration.ofSeconds(10),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30));
    }

    /** A copy with another storage layout (tests use small segments). */
    public Options withStorage(FileLogStore.Options s) {
      return new Options(
          s,
          retainEntries,
          snapshotLogPercent,
          peers,
          grpcThreads,
          completionThreads,
          sniffTimeout,
          healthTimeout,
          joinTimeout);
    }

    /**
     * A copy keeping {@code entries} log entries behind a snapshot, with snapshots that follow
     * {@code --snapshot-count} alone (tests force snapshots of small states).
     */
    public Options withRetainEntries(long entries) {
      return new Options(
          storage,
          entries,
          0,
          peers,
          grpcThreads,
          completionThreads,
          sniffTimeout,
          healthTimeout,
          joinTimeout);
    }
  }

  private final ServerContext context;
  private final FileLogStore store;
  private final PeerTransport transport;
  private final NodeRunner runner;
  private final Server peerServer;
  private final ClientServer clientServer;
  private final ExecutorService completions;
  private final ExecutorService storageThreads;
  private final HeapTrimmer heapTrimmer;
  private final Object closeLock = new Object();
  private boolean closed;

  private SynodServer(
      ServerContext context,
      FileLogStore store,
      PeerTransport transport,
      NodeRunner runner,
      Server peerServer,
      ClientServer clientServer,
      ExecutorService completions,
      ExecutorService storageThreads,
      HeapTrimmer heapTrimmer) {
    this.context = context;
    this.store = store;
    this.transport = transport;
    this.runner = runner;
    this.peerServer = peerServer;
    this.clientServer = clientServer;
    this.completions = completions;
    this.storageThreads = storageThreads;
    this.heapTrimmer = heapTrimmer;
  }

  /**
   * Opens the data directory, starts the replica loop, the peer port and the client port.
   *
   * @param stateMachine creates the replicated application (synod-kv's, later)
   * @param apis the services of the client port beyond health, /version and /health
   * @param onFatal told when the replica loop failed (the process should exit and recover)
   * @throws StartupException if the data directory is refused or a port cannot be bound
   */
  public static SynodServer start(
      ServerConfig cfg,
      Options options,
      Supplier<? extends StateMachine> stateMachine,
      List<ClientApi> apis,
      Consumer<Throwable> onFatal)
      throws StartupException {
    return start(cfg, options, stateMachine, LoopHook.NONE, apis, onFatal);
  }

  /**
   * As above, with {@code hook} run on the replica loop's thread after every turn (synod-kv's watch
   * catch-up, the leader's lease clock and auto compaction).
   */
  public static SynodServer start(
      ServerConfig cfg,
      Options options,
      Supplier<? extends StateMachine> stateMachine,
      LoopHook hook,
      List<ClientApi> apis,
      Consumer<Throwable> onFatal)
      throws StartupException {
    // Two threads for the storage's background work: the next WAL segment is zero-filled and
    // synced while the current one fills, so a segment roll does not stall the replica loop; and
    // the file of a snapshot the replica took is written and synced while the loop goes on (it was
    // a stall of up to a second with a large store). One thread each, so neither waits for the
    // other.
    ExecutorService storageThreads = namedPool("synod-storage", 2);
    FileLogStore.Options storage = options.storage();
    if (storage.preallocator() == null) {
      storage = storage.withPreallocator(storageThreads);
    }
    if (storage.snapshotWriter() == null) {
      storage = storage.withSnapshotWriter(storageThreads);
    }
    ServerMetrics metrics = new ServerMetrics();
    DataDir.Opened opened;
    try {
      opened =
          DataDir.open(
              cfg,
              GROUP_ID,
              storage,
              new ClusterJoin(GROUP_ID, options.peers(), options.joinTimeout()),
              metrics.timeWalFsyncs(RealDisk.INSTANCE));
    } catch (StartupException | RuntimeException e) {
      storageThreads.shutdownNow();
      throw e;
    }
    opened.notes().forEach(n -> LOG.info(n));
    long self = opened.metadata().memberId();
    ClusterMembers members = opened.members();
    List<AutoCloseable> started = new ArrayList<>();
    started.add(storageThreads::shutdownNow);
    started.add(opened.store());
    try {
      PeerStats stats = new PeerStats();
      PeerTransport transport = new PeerTransport(self, members.byId(), options.peers(), stats);
      started.add(transport);
      PeerRoster roster = new PeerRoster(self, transport, members.byId());
      ReplicaLoop loop = newLoop(cfg, options, opened, stateMachine.get(), transport);
      ExecutorService completions = namedPool("synod-complete", options.completionThreads());
      started.add(completions::shutdownNow);
      NodeRunner runner =
          new NodeRunner(
              GROUP_ID,
              loop,
              SystemClock.INSTANCE,
              NodeRunner.Options.defaults(Duration.ofMillis(cfg.heartbeatMillis())),
              completions,
              onFatal,
              hook);
      metrics.registerNode(runner);
      FileLogStore store = opened.store();
      metrics.gauge(
          "synod_log_entry_bytes_in_memory",
          "Payload bytes of the newest log entries held in memory (older ones are read from the WAL).",
          store::entryBytesInMemory);
      metrics.counter(
          "synod_log_entries_read_back",
          "Log entries read back from the WAL because their payload had left memory.",
          store::entriesReadBack);
      Proposer proposer = new Proposer(runner, transport);
      PeerService peerService = new PeerService(self, roster::isKnown, roster::isRemoved, stats);
      peerService.addGroup(runner);
      peerService.registerForward(
          ForwardKind.PROPOSE, (group, payload) -> proposer.onForwardedProposal(payload));
      Server peerServer = startPeerServer(cfg, peerService.definition());
      started.add(() -> peerServer.shutdownNow().awaitTermination(2, TimeUnit.SECONDS));
      runner.start();
      started.add(runner);
      HeapTrimmer heapTrimmer = HeapTrimmer.start(() -> runner.status().appliedIndex());
      started.add(heapTrimmer);
      metrics.counter(
          "synod_heap_trims",
          "Idle spells after which the member handed its heap's slack back to the OS.",
          heapTrimmer::trims);
      ServerContext ctx =
          new ServerContext(
              cfg,
              self,
              opened.metadata().clusterId(),
              GROUP_ID,
              runner,
              proposer,
              transport,
              roster,
              completions,
              metrics);
      ClientServer clientServer = startClientServer(cfg, options, ctx, apis, peerService);
      LOG.info(
          "member "
              + MemberIds.hex(self)
              + " ("
              + cfg.name()
              + ") of cluster "
              + MemberIds.hex(ctx.clusterId())
              + " serving clients on "
              + clientServer.boundAddresses()
              + ", peers on "
              + peerServer.getListenSockets());
      return new SynodServer(
          ctx,
          opened.store(),
          transport,
          runner,
          peerServer,
          clientServer,
          completions,
          storageThreads,
          heapTrimmer);
    } catch (StartupException | RuntimeException e) {
      java.util.Collections.reverse(started);
      closeAll(started);
      throw e;
    }
  }

  private static ReplicaLoop newLoop(
      ServerConfig cfg,
      Options options,
      DataDir.Opened opened,
      StateMachine sm,
      PeerTransport transport)
      throws StartupException {
    RaftConfig raft =
        RaftConfig.builder(GROUP_ID, opened.metadata().memberId())
            .ticks(cfg.electionTicks(), 1)
            .build();
    LoopConfig defaults = LoopConfig.defaults();
    LoopConfig loopConfig =
        new LoopConfig(
            cfg.snapshotCount(),
            options.retainEntries(),
            defaults.pendingProposalsMax(),
            defaults.pendingReadsMax(),
            Math.max(defaults.readTimeoutTicks(), 2 * cfg.electionTicks()),
            options.snapshotLogPercent());
    try {
      return new ReplicaLoop(
          raft, loopConfig, opened.store(), sm, transport, new SplittableRandom());
    } catch (IllegalStateException e) {
      throw new StartupException("refusing to start: " + e.getMessage(), e);
    }
  }

  /** A fixed pool of daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
  private static ExecutorService namedPool(String prefix, int threads) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  private static Server startPeerServer(ServerConfig cfg, ServerServiceDefinition service)
      throws StartupException {
    List<InetSocketAddress> addrs = resolve(cfg.listenPeerUrls());
    NettyServerBuilder b = NettyServerBuilder.forAddress(addrs.get(0));
    for (SocketAddress extra : addrs.subList(1, addrs.size())) {
      b.addListenAddress(extra);
    }
    // Peer handlers only decode and enqueue, so they run on Netty's threads.
    Server s =
        b.directExecutor()
            .maxInboundMessageSize(64 << 20)
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(service)
            .build();
    try {
      return s.start();
    } catch (IOException e) {
      throw new StartupException(
          "cannot listen for peers on " + cfg.listenPeerUrls() + ": " + rootMessage(e), e);
    }
  }

  private static ClientServer startClientServer(
      ServerConfig cfg,
      Options options,
      ServerContext ctx,
      List<ClientApi> apis,
      PeerService peerService)
      throws StartupException {
    HttpRouter router = new HttpRouter();
    MemberEndpoints.register(router, ctx.runner(), options.healthTimeout());
    MetricsEndpoint.register(router, ctx.metrics(), ctx.executor());
    List<ServerServiceDefinition> services = new ArrayList<>();
    Set<String> nonBlocking = new HashSet<>();
    ClientApi.Registry registry =
        new ClientApi.Registry() {
          @Override
          public void grpc(ServerServiceDefinition service) {
            services.add(service);
          }

          @Override
          public void grpcNonBlocking(ServerServiceDefinition service) {
            services.add(service);
            nonBlocking.add(service.getServiceDescriptor().getName());
          }

          @Override
          public HttpRouter http() {
            return router;
          }

          @Override
          public void forward(int kind, ForwardHandler handler) {
            peerService.registerForward(kind, handler);
          }
        };
    for (ClientApi api : apis) {
      api.register(ctx, registry);
    }
    ClientServer server =
        new ClientServer(
            new ClientServer.Options(
                resolve(cfg.listenClientUrls()),
                cfg.grpcMaxReceiveBytes(),
                Duration.ofMillis(cfg.grpcKeepAliveMinTimeMillis()),
                options.sniffTimeout(),
                options.grpcThreads()),
            services,
            nonBlocking,
            router);
    try {
      return server.start();
    } catch (IOException e) {
      server.close();
      throw new StartupException(
          "cannot listen for clients on " + cfg.listenClientUrls() + ": " + rootMessage(e), e);
    }
  }

  private static List<InetSocketAddress> resolve(List<String> urls) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String url : urls) {
      InetSocketAddress a = PeerUrls.address(url);
      out.add(new InetSocketAddress(a.getHostString(), a.getPort()));
    }
    return out;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  public ServerContext context() {
    return context;
  }

  public NodeRunner runner() {
    return runner;
  }

  /**
   * Completes, with a one-line explanation, once this member learned that it was removed from the
   * cluster (from its own log, or from a peer that refused its messages); the caller then stops it.
   */
  public java.util.concurrent.CompletableFuture<String> removal() {
    return context.roster().removal();
  }

  public PeerStats peerStats() {
    return transport.stats();
  }

  /** The client port's bound addresses. */
  public List<InetSocketAddress> clientAddresses() {
    return clientServer.boundAddresses();
  }

  /** Stops the member: client port, peer port, replica loop, transport, log. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    List<AutoCloseable> order = new ArrayList<>();
    order.add(heapTrimmer);
    order.add(clientServer);
    order.add(() -> peerServer.shutdownNow().awaitTermination(2, TimeUnit.SECONDS));
    order.add(runner);
    order.add(transport);
    order.add(store);
    order.add(completions::shutdownNow);
    order.add(storageThreads::shutdownNow);
    closeAll(order);
  }

  /** Closes {@code items} in order, going on past failures. */
  private static void closeAll(List<AutoCloseable> items) {
    for (AutoCloseable c : items) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warning("while stopping: " + e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
