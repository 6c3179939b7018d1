package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The snapshot file: etcd's 512 + 32 frame, its digest, and refusals of anything else. */
class SnapshotFileTest {
  private static SnapshotFile file(int imageBytes) {
    byte[] image = new byte[imageBytes];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 31);
    }
    return new SnapshotFile(7, 8, 100, 3, 55, Bytes.wrapOwned(image));
  }

  @Test
  void everySizeEndsThirtyTwoBytesPastASector() {
    for (int size : List.of(0, 1, 444, 445, 512, 4096, 100_000)) {
      Bytes encoded = file(size).encode();

      assertThat(encoded.size() % 512).isEqualTo(32);
      assertThat(SnapshotFile.decode(encoded)).isEqualTo(file(size));
    }
  }

  @Test
  void theStreamIsTheBodyInChunksThenItsDigest() {
    SnapshotFile f = file(100_000);

    var chunks = MaintenanceService.chunks(f);

    Bytes streamed = Bytes.EMPTY;
    for (var c : chunks) {
      streamed = streamed.concat(Bytes.wrapOwned(c.getBlob().toByteArray()));
    }
    assertThat(streamed).isEqualTo(f.encode());
    assertThat(chunks.get(0).getRemainingBytes()).isEqualTo(f.body().size() - 32 * 1024);
    assertThat(chunks.get(chunks.size() - 2).getRemainingBytes()).isZero();
    assertThat(chunks.get(chunks.size() - 1).getBlob().size()).isEqualTo(32);
  }

  @Test
  void damageAndForeignFilesAreRefused() {
    byte[] bytes = file(1000).encode().toByteArray();
    bytes[70] ^= 1;
    assertThatThrownBy(() -> SnapshotFile.decode(Bytes.wrapOwned(bytes)))
        .hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> SnapshotFile.decode(Bytes.wrapOwned(new byte[4096])))
        .hasMessageContaining("no sha256 checksum");
    // A bbolt-like file with a valid digest is still not a Synod snapshot.
    Bytes body = Bytes.wrapOwned(new byte[4096]);
    Bytes foreign = body.concat(Bytes.wrapOwned(SnapshotFile.sha256(body)));
    assertThatThrownBy(() -> SnapshotFile.decode(foreign)).hasMessageContaining("not a Synod");
  }
}
