package io.synod.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerMethodsTest {
  @Test
  void batchesRoundTrip() {
    List<Bytes> items = List.of(Bytes.utf8("a"), Bytes.EMPTY, Bytes.utf8("longer item"));
    assertThat(PeerMethods.decodeBatch(PeerMethods.encodeBatch(items))).isEqualTo(items);
    assertThat(PeerMethods.decodeBatch(PeerMethods.encodeBatch(List.of()))).isEmpty();
  }

  @Test
  void malformedBatchesAreRejectedNotThrownAsOtherErrors() {
    byte[] good = PeerMethods.encodeBatch(List.of(Bytes.utf8("abc")));
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = java.util.Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> PeerMethods.decodeBatch(truncated))
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> PeerMethods.decodeBatch(trailing))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PeerMethods.decodeBatch(new byte[] {-1, -1, -1, -1}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void forwardRequestsRoundTrip() {
    PeerMethods.ForwardRequest r = new PeerMethods.ForwardRequest(7, 1, Bytes.utf8("cmd"));
    assertThat(PeerMethods.ForwardRequest.decode(r.encode())).isEqualTo(r);
    assertThatThrownBy(() -> PeerMethods.ForwardRequest.decode(new byte[5]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
