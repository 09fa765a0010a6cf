package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.JarProcess;

/**
 * A backend started by bin/tcpbalancer, with the heap the script gives it, flooded with the largest frames it
 * accepts, all at once, each an image whose decoding takes most of the resize workers' budget: every request is
 * answered, resized or BUSY, and the backend lives on without an OutOfMemoryError. The largest frames are held
 * one at a time (the request bytes' budget); the same image without padding is held several at a time, and
 * then the resize workers' budget answers BUSY rather than decode two at once.
 */
class BackendMemoryIT {

  private static final Path SCRIPT = Path.of("bin/tcpbalancer").toAbsolutePath();
  private static final Path JAR = Path.of("target/tcpbalancer.jar").toAbsolutePath();
  private static final int CONNECTIONS = 6;
  private static final int REQUESTS_PER_CONNECTION = 2;
  /**
   * 1,500 x 1,500 read whole for a 1,000 x 1,000 result: about 29 MiB of the budget (DecodeBudget), which is a quarter
   * of the script's heap (33 MiB of its 144 MB; the JVM counts the heap less one survivor space). One fits; two at
   * once do not.
   */
  private static final int SIDE = 1500;
  private static final int TARGET = 1000;

  @TempDir
  Path dir;

  @Test
  void theLargestFramesAtOnceAreAnsweredAndTheBackendLives() throws Exception {
    assertThat(JAR).as("the jar is built before integration tests").isRegularFile();
    String name = "big.png";
    // The PNG, then zeros to the largest body the backend accepts: a PNG reader stops at its end chunk.
    int imageBytes = Frame.DEFAULT_MAX_BODY_SIZE - (int) ResizeRequest.bodySize(name, "png", 0);
    byte[] image = new byte[imageBytes];
    byte[] png = TestImages.synthetic(SIDE, SIDE, "png");
    System.arraycopy(png, 0, image, 0, png.length);

    Map<String, String> env = Map.of("TCPBALANCER_JAR", JAR.toString(), "TCPBALANCER_CDS_DIR",
      dir.resolve("cds").toString());
    try (JarProcess backend = JarProcess.start("backend", List.of(SCRIPT.toString(), "backend", "-p", "0", "--host",
      "127.0.0.1", "--name", "b1", "--workers", "2"), dir, env, null)) {
      int port = Integer.parseInt(backend.awaitLine("Backend b1 listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
      ExecutorService senders = Executors.newFixedThreadPool(2 * CONNECTIONS);
      List<Future<List<ResizeResponse>>> answers = new ArrayList<>();
      try {
        for (int c = 0; c < CONNECTIONS; c++) {
          answers.add(senders.submit(() -> send(port, name, image, REQUESTS_PER_CONNECTION)));
          answers.add(senders.submit(() -> send(port, name, png, REQUESTS_PER_CONNECTION)));
        }
        List<ResizeResponse> all = new ArrayList<>();
        List<ResizeResponse> small = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
          (i % 2 == 0 ? all : small).addAll(answers.get(i).get(240, TimeUnit.SECONDS));
        }
        assertThat(small).hasSize(CONNECTIONS * REQUESTS_PER_CONNECTION)
          .allSatisfy(response -> assertThat(response.status()).as(response.message()).isIn(Status.OK, Status.BUSY))
          .anySatisfy(response -> assertThat(response.status()).isEqualTo(Status.BUSY));
        assertThat(all).hasSize(CONNECTIONS * REQUESTS_PER_CONNECTION)
          .allSatisfy(response -> assertThat(response.status()).as(response.message()).isIn(Status.OK, Status.BUSY))
          .anySatisfy(response -> assertThat(response.status()).isEqualTo(Status.OK));
        assertThat(all).filteredOn(response -> response.status() == Status.OK)
          .allSatisfy(response -> assertThat(response.width()).isEqualTo(TARGET));
      } finally {
        senders.shutdownNow();
      }
      // Alive and still serving: one more request is resized.
      assertThat(send(port, name, image, 1)).singleElement()
        .satisfies(response -> assertThat(response.status()).as(response.message()).isEqualTo(Status.OK));
      assertThat(backend.output()).doesNotContain("OutOfMemoryError");
      assertThat(backend.terminate()).isEqualTo(143);
    }
  }

  /** Sends {@code count} pipelined requests on one connection and reads their answers. */
  private static List<ResizeResponse> send(int port, String name, byte[] image, int count) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(180_000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      int bodySize = (int) ResizeRequest.bodySize(name, "png", image.length);
      for (int id = 1; id <= count; id++) {
        out.writeShort(Frame.MAGIC);
        out.writeByte(Frame.VERSION);
        out.writeByte(1); // resize request
        out.writeInt(id);
        out.writeInt(bodySize);
        out.writeShort(TARGET);
        out.writeShort(TARGET);
        out.writeByte(0); // fit
        out.writeByte(0); // not a dry run
        out.writeByte(3);
        out.write("png".getBytes(StandardCharsets.US_ASCII));
        out.writeShort(nameBytes.length);
        out.write(nameBytes);
        out.write(image);
      }
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      List<ResizeResponse> responses = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        in.readFully(new byte[8]); // magic, version, type, request id
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        responses.add(ResizeResponse.decode(Buffer.buffer(body)));
      }
      return responses;
    }
  }
}
