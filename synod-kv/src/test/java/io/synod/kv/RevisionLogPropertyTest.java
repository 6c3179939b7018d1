package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link RevisionLog} against a plain list of revisions, over random appends and drops. */
class RevisionLogPropertyTest {

  @Provide
  Arbitrary<List<Integer>> ops() {
    return Arbitraries.integers().between(-40, 60).list().ofMinSize(1).ofMaxSize(300);
  }

  @Property(tries = 300)
  void agreesWithAListOfRevisions(@ForAll("ops") List<Integer> ops) {
    RevisionLog log = new RevisionLog(2);
    List<List<Version>> model = new ArrayList<>();
    long first = 2;
    long next = 2;
    for (int op : ops) {
      if (op >= 0) {
        List<Version> changes = new ArrayList<>();
        for (int i = 0; i <= op % 7; i++) {
          changes.add(Version.tombstone(Bytes.utf8("k" + i), next, null));
        }
        log.append(next, changes);
        model.add(changes);
        next++;
      } else {
        long to = Math.min(next - 1, first - op);
        log.dropBefore(to);
        while (first < to) {
          model.remove(0);
          first++;
        }
      }
      assertThat(log.firstRevision()).isEqualTo(first);
      assertThat(log.lastRevision()).isEqualTo(next - 1);
      int total = 0;
      for (int i = 0; i < model.size(); i++) {
        long rev = first + i;
        assertThat(log.count(rev)).isEqualTo(model.get(i).size());
        for (int sub = 0; sub < model.get(i).size(); sub++) {
          assertThat(log.change(rev, sub)).isSameAs(model.get(i).get(sub));
        }
        total += model.get(i).size();
      }
      assertThat(log.changeCount()).isEqualTo(total);
    }
  }
}
