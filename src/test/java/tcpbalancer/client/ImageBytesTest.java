package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An image file read off the event loop, and a read that fails saying which file and why. */
@ExtendWith(VertxExtension.class)
class ImageBytesTest {

  @Test
  void readsTheFilesBytes(Vertx vertx, VertxTestContext test, @TempDir Path folder) throws Exception {
    Path file = Files.write(folder.resolve("a.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 7});

    ImageBytes.read(vertx, file).onComplete(test.succeeding(bytes -> test.verify(() -> {
      assertThat(bytes.getBytes()).containsExactly(0xFF, 0xD8, 0xFF, 7);
      test.completeNow();
    })));
  }

  @Test
  void aMissingFileFailsWithThePathAndTheSystemsReason(Vertx vertx, VertxTestContext test, @TempDir Path folder) {
    Path missing = folder.resolve("gone.jpg");

    ImageBytes.read(vertx, missing).onComplete(test.failing(cause -> test.verify(() -> {
      assertThat(cause).hasMessage("cannot read " + missing + ": No such file or directory");
      test.completeNow();
    })));
  }
}
