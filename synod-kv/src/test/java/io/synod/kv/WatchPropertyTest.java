package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random writes (puts, deletes, txns, lease revokes, compactions) with random watchers (start
 * revisions in the past, now or the future, filters, prev_kv, fragments) on streams whose sinks
 * refuse offers at random, clients that cancel and reconnect from their last revision + 1, and
 * pumps at random moments. Every watcher must get every matching event exactly once, in order, with
 * the right prev_kv, or be canceled with the compact revision that passed it.
 */
class WatchPropertyTest {

  /** One watcher's life on one stream, as its client sees it. */
  static final class Incarnation {
    final Client client;
    final long watchId;
    final long start;
    final WatchRequest request;
    final List<Event> pending = new ArrayList<>();
    final List<Long> pendingCompact = new ArrayList<>();
    final List<Event> delivered = new ArrayList<>();
    final List<Long> compactAtDelivery = new ArrayList<>();
    boolean canceledByClient;
    long canceledAtCompact = Long.MIN_VALUE;
    long storeCompactAtCancel;

    Incarnation(Client client, long watchId, long start, WatchRequest request) {
      this.client = client;
      this.watchId = watchId;
      this.start = start;
      this.request = request;
    }

    boolean alive() {
      return !canceledByClient && canceledAtCompact == Long.MIN_VALUE;
    }

    long resumeRevision() {
      return delivered.isEmpty()
          ? start
          : delivered.get(delivered.size() - 1).kv().modRevision() + 1;
    }
  }

  /** A client stream with a sink that refuses offers with some probability. */
  static final class Client implements WatchSink {
    final Random random;
    final KvStateMachine sm;
    final List<Incarnation> watchers = new ArrayList<>();
    WatchStream stream;
    int refusePercent;

    Client(long seed, KvStateMachine sm) {
      this.random = new Random(seed);
      this.sm = sm;
    }

    Incarnation find(long watchId) {
      for (Incarnation w : watchers) {
        if (w.watchId == watchId && w.alive()) {
          return w;
        }
      }
      throw new AssertionError("no live watcher " + watchId);
    }

    @Override
    public boolean offer(long watchId, long revision, List<Event> events, boolean fragment) {
      assertThat(events).isNotEmpty();
      if (random.nextInt(100) < refusePercent) {
        return false;
      }
      Incarnation w = find(watchId);
      w.pending.addAll(events);
      for (int i = 0; i < events.size(); i++) {
        w.pendingCompact.add(sm.compactRevision()); // prev_kv is read when offered
      }
      if (!fragment) {
        assertThat(revision).isEqualTo(events.get(events.size() - 1).kv().modRevision());
        w.delivered.addAll(w.pending);
        w.compactAtDelivery.addAll(w.pendingCompact);
        w.pending.clear();
        w.pendingCompact.clear();
      }
      return true;
    }

    @Override
    public void canceled(long watchId, long compactRevision, String reason) {
      Incarnation w = find(watchId);
      assertThat(reason).isEmpty();
      if (compactRevision == 0) {
        w.canceledByClient = true;
      } else {
        w.canceledAtCompact = compactRevision;
        w.storeCompactAtCancel = sm.compactRevision();
      }
    }

    @Override
    public void progress(long watchId, long revision) {
      throw new AssertionError("no progress was asked for");
    }
  }

  @Provide
  Arbitrary<List<Long>> seeds() {
    return Arbitraries.longs()
        .list()
        .ofMinSize(20)
        .ofMaxSize(200)
        .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
  }

  @Property(tries = 200)
  void everyEventExactlyOnceInOrderOrACancelAtTheCompactRevision(
      @ForAll("seeds") List<Long> seeds, @ForAll long configSeed) {
    Random config = new Random(configSeed);
    WatchConfig watch =
        new WatchConfig(
            1 + config.nextInt(4), 1 + config.nextInt(12), 60 + config.nextInt(240), 60_000);
    Kv kv = new Kv(new KvConfig(2, watch));
    ModelKv model = new ModelKv();
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Client c = new Client(config.nextLong(), kv.sm);
      c.stream = kv.sm.watchHub().openStream(c);
      c.refusePercent = List.of(0, 30, 80).get(i);
      clients.add(c);
    }
    for (long seed : seeds) {
      act(new Random(seed), seed, kv, model, clients);
    }
    for (Client c : clients) {
      c.refusePercent = 0;
    }
    for (int i = 0; i < 10_000 && kv.sm.watchHub().pump(); i++) {
      reconnectCanceled(kv, clients);
    }
    assertThat(kv.sm.watchHub().unsyncedCount()).isZero();
    for (Client c : clients) {
      for (Incarnation w : c.watchers) {
        check(w, model, kv.sm.revision());
      }
    }
  }

  private void act(Random r, long seed, Kv kv, ModelKv model, List<Client> clients) {
    int choice = r.nextInt(100);
    Client client = clients.get(r.nextInt(clients.size()));
    if (choice < 12) {
      // A revision with several events, so responses get fragmented and refused mid-revision.
      List<RequestOp> puts = new ArrayList<>();
      for (Bytes k : CommandGenerator.KEYS) {
        if (r.nextInt(3) > 0) {
          puts.add(
              new RequestOp.Put(
                  new KvCommand.Put(k, Bytes.utf8("m" + r.nextInt(9)), 0, false, false, false)));
        }
      }
      KvCommand c =
          r.nextInt(4) == 0
              ? new KvCommand.DeleteRange(Kv.ZERO, Kv.ZERO, false)
              : new KvCommand.Txn(List.of(), puts, List.of());
      model.apply(c, kv.index + 1);
      kv.apply(c);
    } else if (choice < 55) {
      KvCommand c = new CommandGenerator(seed, model).next();
      if (c != null) {
        model.apply(c, kv.index + 1);
        kv.apply(c);
      }
    } else if (choice < 58) {
      long rev = Math.max(model.compact + 1, model.revision() - r.nextInt(6));
      model.apply(new KvCommand.Compact(rev, false), kv.index + 1);
      kv.apply(new KvCommand.Compact(rev, false));
    } else if (choice < 70) {
      createRandom(r, seed, kv, model, client);
    } else if (choice < 75) {
      List<Incarnation> live = client.watchers.stream().filter(Incarnation::alive).toList();
      if (!live.isEmpty()) {
        Incarnation w = live.get(r.nextInt(live.size()));
        assertThat(client.stream.cancel(w.watchId)).isTrue();
        assertThat(w.canceledByClient).isTrue();
        if (r.nextBoolean()) {
          create(client, withStart(w.request, w.resumeRevision()), kv.sm);
        }
      }
    } else if (choice < 92) {
      kv.sm.watchHub().pump();
    } else {
      client.refusePercent = List.of(0, 30, 80, 100).get(r.nextInt(4));
    }
    reconnectCanceled(kv, clients);
  }

  private static void createRandom(Random r, long seed, Kv kv, ModelKv model, Client client) {
    long now = kv.sm.revision();
    long start =
        switch (r.nextInt(4)) {
          case 0 -> 0;
          case 1 -> now + 1 + r.nextInt(3);
          default -> Math.max(1, now - r.nextInt(8));
        };
    CommandGenerator gen = new CommandGenerator(seed, model);
    Bytes key = r.nextInt(3) == 0 ? Kv.ZERO : gen.key();
    Bytes end =
        switch (r.nextInt(4)) {
          case 0 -> Bytes.EMPTY;
          case 1 -> Kv.ZERO;
          default -> gen.rangeEnd();
        };
    WatchRequest req =
        new WatchRequest(
            key,
            end,
            start,
            false,
            r.nextInt(5) == 0,
            r.nextInt(5) == 0,
            r.nextBoolean(),
            0,
            r.nextBoolean());
    create(client, req, kv.sm);
  }

  /** A client whose watcher was canceled by compaction resumes from the compact revision. */
  private void reconnectCanceled(Kv kv, List<Client> clients) {
    for (Client c : clients) {
      for (Incarnation w : new ArrayList<>(c.watchers)) {
        if (w.canceledAtCompact != Long.MIN_VALUE && w.canceledAtCompact > 0) {
          long from = Math.max(w.resumeRevision(), w.canceledAtCompact);
          long mark = w.canceledAtCompact;
          w.canceledAtCompact = -mark; // handled; keep the value for the check
          create(c, withStart(w.request, from), kv.sm);
        }
      }
    }
  }

  private static WatchRequest withStart(WatchRequest r, long start) {
    return new WatchRequest(
        r.key(),
        r.rangeEnd(),
        start,
        r.progressNotify(),
        r.noPut(),
        r.noDelete(),
        r.prevKv(),
        0,
        r.fragment());
  }

  private static void create(Client c, WatchRequest req, KvStateMachine sm) {
    long now = sm.revision();
    WatchCreateResult result = c.stream.create(req);
    Bytes key = req.key();
    Bytes end = req.rangeEnd();
    boolean empty = !end.isEmpty() && !MvccStore.isFromKey(end) && key.compareTo(end) >= 0;
    if (empty) {
      assertThat(result).isEqualTo(new WatchCreateResult.Rejected(WatchStream.EMPTY_RANGE));
      return;
    }
    WatchCreateResult.Created created = (WatchCreateResult.Created) result;
    assertThat(created.revision()).isEqualTo(now);
    long start = req.startRevision() == 0 ? now + 1 : req.startRevision();
    c.watchers.add(new Incarnation(c, created.watchId(), start, req));
  }

  private static void check(Incarnation w, ModelKv model, long revision) {
    List<Event> expected = new ArrayList<>();
    List<Optional<KeyValue>> before = new ArrayList<>();
    Bytes key = w.request.key().isEmpty() ? Kv.ZERO : w.request.key();
    for (ModelKv.ModelEvent e : model.events) {
      boolean wanted = e.type() == Event.Type.PUT ? !w.request.noPut() : !w.request.noDelete();
      if (e.revision() >= w.start
          && wanted
          && ModelKv.inRange(e.kv().key(), key, w.request.rangeEnd())) {
        expected.add(new Event(e.type(), e.kv(), Optional.empty()));
        before.add(e.before());
      }
    }
    assertThat(w.delivered.size())
        .as("%s got more than exists", w.request)
        .isLessThanOrEqualTo(expected.size());
    for (int i = 0; i < w.delivered.size(); i++) {
      Event got = w.delivered.get(i);
      Event want = expected.get(i);
      assertThat(new Event(got.type(), got.kv(), Optional.empty()))
          .as("event %d of watcher from %d on %s", i, w.start, w.request)
          .isEqualTo(want);
      boolean creation = want.type() == Event.Type.PUT && want.kv().version() == 1;
      Optional<KeyValue> prev =
          !w.request.prevKv() || creation || want.kv().modRevision() <= w.compactAtDelivery.get(i)
              ? Optional.empty()
              : before.get(i);
      assertThat(got.prevKv()).as("prev_kv of %s", got.kv()).isEqualTo(prev);
    }
    if (w.canceledAtCompact != Long.MIN_VALUE) {
      long compact = Math.abs(w.canceledAtCompact);
      assertThat(compact).isEqualTo(w.storeCompactAtCancel);
      assertThat(w.resumeRevision()).isLessThan(compact + (w.delivered.isEmpty() ? 0 : 1));
      if (!w.delivered.isEmpty()) {
        assertThat(w.delivered.get(w.delivered.size() - 1).kv().modRevision()).isLessThan(compact);
      }
    } else if (!w.canceledByClient) {
      assertThat(w.delivered)
          .as("watcher from %d on %s", w.start, w.request)
          .hasSameSizeAs(expected);
      assertThat(w.pending).isEmpty();
    }
    assertThat(revision).isPositive();
  }
}
