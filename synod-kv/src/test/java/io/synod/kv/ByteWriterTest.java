package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class ByteWriterTest {

  /**
   * Sized to the counted bytes, the writer fills its buffer exactly: no growth, no copy at the end.
   */
  @Property(tries = 300)
  void aWriterSizedToItsCountedContentNeverGrows(
      @ForAll long unsigned, @ForAll long signed, @ForAll byte[] raw) {
    long u = unsigned & Long.MAX_VALUE;
    Bytes b = Bytes.copyOf(raw);
    long counted =
        ByteWriter.unsignedSize(u) + ByteWriter.signedSize(signed) + ByteWriter.bytesSize(b) + 1;
    ByteWriter w = new ByteWriter((int) counted);
    w.writeBytes(b).writeByte(7).writeSigned(signed).writeUnsigned(u);
    assertThat(w.size()).isEqualTo((int) counted);
    assertThat(w.capacity()).isEqualTo(Math.max(16, (int) counted));
  }
}
