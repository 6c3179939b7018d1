package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path dir;

  @Test
  void putThenGet() throws Exception {
    try (EtcdCluster c = new EtcdCluster(1, dir)) {
      Client client = c.client(0);
      ByteSequence k = ByteSequence.from("a", StandardCharsets.UTF_8);
      client
          .getKVClient()
          .put(k, ByteSequence.from("1", StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);
      var r = client.getKVClient().get(k).get(10, TimeUnit.SECONDS);
      assertThat(r.getKvs()).hasSize(1);
      assertThat(r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
      assertThat(r.getHeader().getRevision()).isEqualTo(2);
    }
  }
}
