package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Test fixture: a {@link KvStateMachine} driven through the same bytes as production (commands
 * encoded into log entries, responses decoded), with short builders for commands and requests.
 */
final class Kv {
  final KvStateMachine sm;
  long index;

  Kv() {
    this(KvConfig.defaults());
  }

  Kv(KvConfig config) {
    sm = new KvStateMachine(config);
  }

  /** Applies {@code command} as the next log entry; returns the decoded response. */
  KvResponse apply(KvCommand command) {
    index++;
    Bytes result = sm.apply(Entry.normal(1, index, KvCodec.encode(command)));
    return KvCodec.decodeResponse(result);
  }

  KvResponse.Put put(String key, String value) {
    return (KvResponse.Put) apply(Kv.putCmd(key, value, 0));
  }

  KvResponse.Put put(String key, String value, long lease) {
    return (KvResponse.Put) apply(Kv.putCmd(key, value, lease));
  }

  KvResponse.DeleteRange delete(String key, String rangeEnd) {
    return (KvResponse.DeleteRange) apply(new KvCommand.DeleteRange(b(key), b(rangeEnd), true));
  }

  long grant(long ttlSeconds) {
    return ((KvResponse.LeaseGrant) apply(new KvCommand.LeaseGrant(ttlSeconds, 0))).id();
  }

  KvResponse range(RangeRequest r) {
    return sm.range(r);
  }

  KvResponse.Range get(String key) {
    return (KvResponse.Range) sm.range(RangeRequest.single(b(key)));
  }

  Optional<KeyValue> kv(String key) {
    List<KeyValue> kvs = get(key).kvs();
    return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
  }

  List<String> keys(String key, String rangeEnd) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : ((KvResponse.Range) sm.range(RangeRequest.of(b(key), b(rangeEnd)))).kvs()) {
      out.add(kv.key().toStringUtf8());
    }
    return out;
  }

  void assertError(KvCommand command, KvError error) {
    long before = sm.revision();
    assertThat(apply(command)).isEqualTo(new KvResponse.Error(error));
    assertThat(sm.revision()).isEqualTo(before);
  }

  // -----------------------------------------------------------------------------------------------

  static Bytes b(String s) {
    return Bytes.utf8(s);
  }

  static final Bytes ZERO = Bytes.wrapOwned(new byte[] {0});

  static KvCommand.Put putCmd(String key, String value, long lease) {
    return new KvCommand.Put(b(key), b(value), lease, true, false, false);
  }

  static KvCommand.DeleteRange del(String key, String rangeEnd) {
    return new KvCommand.DeleteRange(b(key), b(rangeEnd), true);
  }

  static KeyValue kv(String key, long create, long mod, long version, String value, long lease) {
    return new KeyValue(b(key), create, mod, version, b(value), lease);
  }

  static Q q(String key, String rangeEnd) {
    return new Q(b(key), b(rangeEnd));
  }

  /** A RangeRequest builder. */
  static final class Q {
    Bytes key;
    Bytes end;
    long limit;
    long revision;
    RangeRequest.SortOrder order = RangeRequest.SortOrder.NONE;
    RangeRequest.SortTarget target = RangeRequest.SortTarget.KEY;
    boolean keysOnly;
    boolean countOnly;
    long minMod;
    long maxMod;
    long minCreate;
    long maxCreate;

    Q(Bytes key, Bytes end) {
      this.key = key;
      this.end = end;
    }

    Q limit(long n) {
      limit = n;
      return this;
    }

    Q rev(long r) {
      revision = r;
      return this;
    }

    Q sort(RangeRequest.SortOrder o, RangeRequest.SortTarget t) {
      order = o;
      target = t;
      return this;
    }

    Q keysOnly() {
      keysOnly = true;
      return this;
    }

    Q countOnly() {
      countOnly = true;
      return this;
    }

    Q mod(long min, long max) {
      minMod = min;
      maxMod = max;
      return this;
    }

    Q create(long min, long max) {
      minCreate = min;
      maxCreate = max;
      return this;
    }

    RangeRequest build() {
      return new RangeRequest(
          key, end, limit, revision, order, target, false, keysOnly, countOnly, minMod, maxMod,
          minCreate, maxCreate);
    }
  }
}
