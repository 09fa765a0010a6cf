package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.files;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.testing.Topology;

/** Which files a run reads and which it writes: one result per input, whatever the names; only regular files. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientFilesTest {

  @TempDir
  Path dir;

  @Test
  void inputsWhoseNamesCollideGetDistinctResultsThatStayTheSameEveryRound(Vertx vertx, VertxTestContext test)
    throws IOException {
    Path input = dir.resolve("in");
    Path output = dir.resolve("out");
    Files.createDirectories(input);
    // "a b" and "a_b" are reduced to one safe name; "c.JPG" and "c.jpg" have one result name, and collide on a
    // case-insensitive disk anyway.
    for (String name : new String[] {"a b.jpg", "a_b.jpg", "c.JPG", "c.jpg", "C.jpeg"}) {
      Files.copy(TestImages.benchImage("architecture_"), input.resolve(name));
    }
    new Topology().workers(2).backend("b1").proxy("lb", "b1").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(), output.toString())
        .put("times", 3).put("minConns", 2).put("eventLoops", 2)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(15);
        assertThat(files(output)).containsExactlyInAnyOrder("C-200x125.jpeg", "a_b-200x125.jpg",
          "a_b-2-200x125.jpg", "c-200x125.jpg", "c-2-200x125.jpg");
        assertThat(report.toJson().getJsonObject("images").getLong("written")).isEqualTo(5);
        assertThat(report.toText()).contains("5 files written");
        test.completeNow();
      })));
  }

  @Test
  void inputsThatAreNotRegularFilesAreSkippedAndNeverOpened(Vertx vertx, VertxTestContext test) throws Exception {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.write(input.resolve("a.jpg"), new byte[] {1, 2, 3});
    Files.createSymbolicLink(input.resolve("zero.jpg"), Path.of("/dev/zero"));
    boolean fifo = new ProcessBuilder("mkfifo", input.resolve("pipe.png").toString()).start().waitFor() == 0;
    assumeTrue(fifo, "mkfifo is not available");
    new Topology().backend("dry").proxy("lb", "dry").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(),
        dir.resolve("out").toString()).put("dryRun", true)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.sent()).isEqualTo(1);
        assertThat(report.toJson().getJsonArray("skippedFiles").getList()).containsExactly("pipe.png", "zero.jpg");
        test.completeNow();
      })));
  }
}
