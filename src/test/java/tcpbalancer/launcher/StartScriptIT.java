package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.JarProcess;

/**
 * The three programs started as a user starts them, through bin/tcpbalancer and the built jar: a backend, a
 * proxy in front of it and a client resizing the samples through both. Each records the classes it loads
 * ({@code -Xlog:class+load} in JAVA_OPTS), and loads nothing it does not use.
 */
class StartScriptIT {

  private static final Path JAR = Path.of("target/tcpbalancer.jar").toAbsolutePath();

  @TempDir
  Path dir;

  private JarProcess script(String name, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(StartScriptTest.SCRIPT.toString()));
    command.addAll(List.of(args));
    Map<String, String> env = Map.of("TCPBALANCER_JAR", JAR.toString(), "TCPBALANCER_CDS_DIR",
      dir.resolve("cds").toString(), "JAVA_OPTS", "-Xlog:class+load:file=" + classLog(name));
    return JarProcess.start(name, command, dir, env, null);
  }

  private Path classLog(String name) {
    return dir.resolve(name + "-classes.txt");
  }

  /** The classes a process loaded, by name. */
  private List<String> classesLoaded(String name) throws Exception {
    try (Stream<String> lines = Files.lines(classLog(name))) {
      return lines.filter(line -> line.contains("[class,load]"))
        .map(line -> line.replaceFirst(".*\\[class,load\\] (\\S+) .*", "$1")).toList();
    }
  }

  @Test
  void backendProxyAndClientStartThroughTheScriptAndLoadOnlyWhatTheyUse() throws Exception {
    assertThat(JAR).as("the jar is built before integration tests").isRegularFile();
    Path output = dir.resolve("out");
    try (JarProcess backend = script("backend", "backend", "-p", "0", "--host", "127.0.0.1", "--name", "b1")) {
      String backendPort = backend.awaitLine("Backend b1 listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
      try (JarProcess proxy = script("proxy", "proxy", "-p", "0", "--host", "127.0.0.1", "--instances", "1",
        "-u", "127.0.0.1:" + backendPort)) {
        String proxyPort = proxy.awaitLine("Proxy \\S+ listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
        try (JarProcess client = script("client", "client", "--proxy", "127.0.0.1:" + proxyPort,
          "--input", Path.of("samples").toAbsolutePath().toString(), "--output", output.toString(), "-w", "64", "-h", "64")) {
          assertThat(client.exitCode()).as(client.output()).isZero();
          assertThat(client.stdout()).contains("0 failed");
        }
        assertThat(proxy.terminate()).isEqualTo(143);
      }
      assertThat(backend.terminate()).isEqualTo(143);
    }

    List<String> proxy = classesLoaded("proxy");
    assertThat(proxy).contains("tcpbalancer.proxy.ProxyVerticle")
      .noneMatch(name -> name.startsWith("com.hazelcast.") || name.startsWith("javax.imageio.")
        || name.startsWith("org.imgscalr.") || name.startsWith("com.twelvemonkeys.")
        || name.startsWith("tcpbalancer.backend.") || name.startsWith("tcpbalancer.client."));
    List<String> backend = classesLoaded("backend");
    assertThat(backend).contains("tcpbalancer.backend.ImageResizer", "org.imgscalr.Scalr")
      .noneMatch(name -> name.startsWith("com.hazelcast.") || name.startsWith("tcpbalancer.proxy.")
        || name.startsWith("tcpbalancer.client."));
    List<String> client = classesLoaded("client");
    assertThat(client).contains("tcpbalancer.client.ClientVerticle")
      .noneMatch(name -> name.startsWith("com.hazelcast.") || name.startsWith("org.imgscalr.")
        || name.startsWith("com.twelvemonkeys.") || name.startsWith("tcpbalancer.backend.")
        || name.startsWith("tcpbalancer.proxy."));
  }

  @Test
  void theClientSendsAnImageNearTheFrameLimitThroughTheScriptsMemoryBounds() throws Exception {
    // 2,900 x 2,900 pixels of noise: a PNG of about 25 MB, under the 32 MiB frame limit. With the script's options of
    // before, the client's file read kept a direct buffer of its size and Netty found no direct memory left to copy
    // the frame into: the request failed ("Cannot reserve ... bytes of direct buffer memory").
    Path input = Files.createDirectories(dir.resolve("large"));
    BufferedImage noise = new BufferedImage(2900, 2900, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(16);
    for (int y = 0; y < noise.getHeight(); y++) {
      for (int x = 0; x < noise.getWidth(); x++) {
        noise.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    Path image = input.resolve("noise.png");
    ImageIO.write(noise, "png", image.toFile());
    assertThat(Files.size(image)).isBetween(24L << 20, 30L << 20);
    try (JarProcess backend = script("large-backend", "backend", "-p", "0", "--host", "127.0.0.1", "--name", "b1")) {
      String backendPort = backend.awaitLine("Backend b1 listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
      try (JarProcess client = script("large-client", "client", "--proxy", "127.0.0.1:" + backendPort,
        "--input", input.toString(), "--output", dir.resolve("large-out").toString(), "-w", "64", "-h", "64",
        "--times", "3")) {
        assertThat(client.exitCode()).as(client.output()).isZero();
        assertThat(client.stdout()).contains("3 resized, 0 failed");
      }
      assertThat(backend.terminate()).isEqualTo(143);
    }
  }
}
