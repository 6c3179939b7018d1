package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonObjectsTest {
  @Test
  void splitsConcatenatedObjects() {
    assertThat(JsonObjects.split(" {\"a\":{\"b\":[1,{}]}}\n{\"c\":\"}{\\\"\"}{}"))
        .containsExactly("{\"a\":{\"b\":[1,{}]}}", "{\"c\":\"}{\\\"\"}", "{}");
    assertThat(JsonObjects.split("  ")).isEmpty();
  }

  @Test
  void rejectsWhatIsNotAnObject() {
    assertThatThrownBy(() -> JsonObjects.split("{} x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsonObjects.split("{\"a\":1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsonObjects.split("[1]")).isInstanceOf(IllegalArgumentException.class);
  }
}
