package io.synod.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.common.Bytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  void forwardCallsAndRepliesRoundTrip() {
    PeerMethods.ForwardCall call =
        new PeerMethods.ForwardCall(
            Long.MAX_VALUE, new PeerMethods.ForwardRequest(7, 1, Bytes.utf8("cmd")));
    assertThat(PeerMethods.ForwardCall.decode(call.encode())).isEqualTo(call);
    PeerMethods.ForwardCall empty =
        new PeerMethods.ForwardCall(1, new PeerMethods.ForwardRequest(2, 3, Bytes.EMPTY));
    assertThat(PeerMethods.ForwardCall.decode(empty.encode())).isEqualTo(empty);
    assertThatThrownBy(() -> PeerMethods.ForwardCall.decode(new byte[19]))
        .isInstanceOf(IllegalArgumentException.class);

    PeerMethods.ForwardReply ok = PeerMethods.ForwardReply.ok(9, Bytes.utf8("done"));
    assertThat(PeerMethods.ForwardReply.decode(ok.encode())).isEqualTo(ok);
    assertThat(PeerMethods.ForwardReply.decode(ok.encode()).replyOrThrow())
        .isEqualTo(Bytes.utf8("done"));
    PeerMethods.ForwardReply error =
        PeerMethods.ForwardReply.error(10, Status.NOT_FOUND.withDescription("no such group"));
    assertThatThrownBy(() -> PeerMethods.ForwardReply.decode(error.encode()).replyOrThrow())
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessage("NOT_FOUND: no such group");
    assertThatThrownBy(() -> PeerMethods.ForwardReply.decode(new byte[11]))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] badCode = ok.encode();
    badCode[11] = 99; // status code 99 does not exist
    assertThatThrownBy(() -> PeerMethods.ForwardReply.decode(badCode))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rawMessagesDrainWholeAndParseAtTheirKnownLength() throws Exception {
    byte[] message = "a raft batch".getBytes(StandardCharsets.UTF_8);
    InputStream out = PeerMethods.RAW.stream(message);
    assertThat(out).isInstanceOf(Drainable.class).isInstanceOf(KnownLength.class);
    assertThat(out.available()).isEqualTo(message.length);
    ByteArrayOutputStream drained = new ByteArrayOutputStream();
    assertThat(((Drainable) out).drainTo(drained)).isEqualTo(message.length);
    assertThat(drained.toByteArray()).isEqualTo(message);
    assertThat(out.read()).as("nothing left after draining").isEqualTo(-1);

    assertThat(PeerMethods.RAW.parse(PeerMethods.RAW.stream(message))).isEqualTo(message);
    assertThat(PeerMethods.RAW.parse(new ByteArrayInputStream(message))).isEqualTo(message);
    assertThat(PeerMethods.RAW.parse(PeerMethods.RAW.stream(new byte[0]))).isEmpty();
  }

  @Test
  void aMessageLongerThanItsKnownLengthIsAnInternalError() {
    InputStream lying = new ShortKnownLength("twelve bytes".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> PeerMethods.RAW.parse(lying))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("INTERNAL");
  }

  /** A stream that claims fewer bytes than it holds. */
  private static final class ShortKnownLength extends ByteArrayInputStream implements KnownLength {
    ShortKnownLength(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int available() {
      return 5;
    }
  }
}
