package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputNamesTest {

  private final Path out = Path.of("/tmp/out");

  @Test
  void nameWidthHeightAndTheOriginalExtension() {
    assertThat(OutputNames.resultPath(out, "photo.JPEG", 200, 133, "jpeg")).isEqualTo(Path.of("/tmp/out/photo-200x133.jpeg"));
    assertThat(OutputNames.resultPath(out, "icon.png", 64, 64, "png")).isEqualTo(Path.of("/tmp/out/icon-64x64.png"));
  }

  @Test
  void extensionFollowsTheFormatWhenTheyDisagree() {
    assertThat(OutputNames.resultPath(out, "really-a-png.jpg", 10, 10, "png"))
      .isEqualTo(Path.of("/tmp/out/really-a-png-10x10.png"));
    assertThat(OutputNames.resultPath(out, "noextension", 10, 10, "jpeg")).isEqualTo(Path.of("/tmp/out/noextension-10x10.jpg"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../x.jpg", "/etc/passwd.png", "..", ".hidden.jpg", "a/../../b.png", "..\\..\\c.jpg",
    "name\u0000.jpg", ""})
  void hostileNamesStayInsideTheOutputFolder(String name) {
    Path result = OutputNames.resultPath(out, name, 1, 1, "jpeg");
    assertThat(result.getParent()).isEqualTo(out);
    assertThat(result.getFileName().toString()).doesNotStartWith(".").doesNotContain("/", "\\");
  }

  @Test
  void collidingNamesGetNumberedStemsThatNoOtherInputHasOfItsOwn() {
    List<String> names = List.of("a b.jpg", "a_b.jpg", "a_b-2.jpg", "c.JPG", "c.jpg", "c.png", "C.jpeg");
    List<String> formats = List.of("jpeg", "jpeg", "jpeg", "jpeg", "jpeg", "png", "jpeg");
    assertThat(OutputNames.uniqueStems(names, formats))
      .containsExactly("a_b", "a_b-3", "a_b-2", "c", "c-2", "c", "C");
  }
}
