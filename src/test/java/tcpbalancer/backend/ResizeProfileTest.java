package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResizeProfileTest {

  private static String output(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertThat(ResizeProfile.run(args)).isZero();
    } finally {
      System.setOut(out);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyImageOfTheFolderGetsItsStagesTimed() {
    JsonObject profile = new JsonObject(output("samples", "--warm-up", "1", "--rounds", "2", "--json"));
    JsonArray images = profile.getJsonArray("images");
    assertThat(images).hasSize(6); // samples/ holds 4 JPEGs and 2 PNGs
    for (int i = 0; i < images.size(); i++) {
      JsonObject image = images.getJsonObject(i);
      assertThat(image.getString("format")).isIn("jpeg", "png");
      assertThat(image.getString("decoder")).isIn(ResizeStages.LIBJPEG_TURBO, ResizeStages.IMAGEIO);
      assertThat(image.getDouble("decode_ms") + image.getDouble("scale_ms")).as(image.getString("image")).isPositive();
      assertThat(image.getInteger("result_bytes")).isPositive();
    }
  }

  @Test
  void theTableEndsWithOnePassOverEveryImage() {
    assertThat(output("samples", "--warm-up", "1", "--rounds", "1", "--native-jpeg", "false"))
      .contains("decode", "scale", "encode", "all 4 jpeg", "all 2 png", "one pass, 6 images");
  }

  @Test
  void aBadArgumentIsNamed() {
    assertThatThrownBy(() -> ResizeProfile.run(new String[] {"samples", "--rounds", "0"}))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'0'");
    assertThatThrownBy(() -> ResizeProfile.run(new String[] {"no-such-folder"}))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-folder is not a folder");
  }
}
