package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.config.Addresses;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * Sends every image through the proxy {@code times} times. Each round opens between {@code minConns} and
 * {@code maxConns} connections; each connection keeps up to {@code window} requests in flight, taken from one
 * queue, so fast connections do more. Nothing is lost: when a connection breaks, its unanswered requests go
 * back on the queue and a new connection replaces it; a request is given up only after {@code retries} resends,
 * or when the backend refuses it (a bad image is not sent again).
 */
final class LoadRun {

  private static final Logger log = LoggerFactory.getLogger(LoadRun.class);
  /** Connect failures in a row after which a round stops trying to open connections (about 15 s of backoff). */
  private static final int MAX_CONNECT_FAILURES_IN_A_ROW = 10;
  /** The longest wait before a reconnect or a resend after a busy answer. */
  private static final long MAX_BACKOFF_MILLIS = 2_000;

  private final Vertx vertx;
  private final ClientOptions options;
  private final NetClient netClient;
  private final List<ImageFile> images;
  private final RunReport report;
  private final Progress progress;
  private final Path outputFolder;

  LoadRun(Vertx vertx, ClientOptions options, NetClient netClient, List<ImageFile> images, RunReport report,
          Progress progress) {
    this.vertx = vertx;
    this.options = options;
    this.netClient = netClient;
    this.images = images;
    this.report = report;
    this.progress = progress;
    this.outputFolder = Path.of(options.output()).toAbsolutePath().normalize();
  }

  Future<Void> run() {
    Future<Void> rounds = Future.succeededFuture();
    for (int i = 1; i <= options.times(); i++) {
      int round = i;
      rounds = rounds.compose(v -> new Round(round).run());
    }
    return rounds;
  }

  private static final class Item {
    final ImageFile file;
    int resends;
    boolean counted;

    Item(ImageFile file) {
      this.file = file;
    }
  }

  private static final class Connection {
    final ResizeConnection connection;
    int inFlight;
    boolean dead;

    Connection(ResizeConnection connection) {
      this.connection = connection;
    }
  }

  /** One pass over every image. */
  private final class Round {
    private final int number;
    private final Deque<Item> queue = new ArrayDeque<>();
    private final List<Connection> connections = new ArrayList<>();
    private final Promise<Void> done = Promise.promise();
    private int unfinished;
    private int connecting;
    private int reopening;
    private int connectFailuresInARow;
    private int connectionsLostInARow;

    Round(int number) {
      this.number = number;
    }

    Future<Void> run() {
      images.forEach(image -> queue.add(new Item(image)));
      unfinished = queue.size();
      if (unfinished == 0) {
        return Future.succeededFuture();
      }
      int count = ThreadLocalRandom.current().nextInt(options.minConns(), options.maxConns() + 1);
      log.debug("Round {}: {} images over {} connections", number, unfinished, count);
      for (int i = 0; i < Math.min(count, unfinished); i++) {
        open();
      }
      return done.future();
    }

    private int live() {
      return (int) connections.stream().filter(c -> !c.dead).count() + connecting + reopening;
    }

    /** Opens a connection after {@code delayMillis}; counted as live meanwhile. */
    private void openLater(long delayMillis) {
      if (delayMillis <= 0) {
        open();
        return;
      }
      reopening++;
      vertx.setTimer(delayMillis, id -> {
        reopening--;
        open();
      });
    }

    private void open() {
      connecting++;
      report.connectionOpened();
      ResizeConnection.connect(vertx, netClient, Addresses.socketAddress(options.proxy()), options.maxFrameSize(),
          options.requestTimeoutMillis())
        .onComplete(ar -> {
          connecting--;
          if (ar.failed()) {
            connectFailed(ar.cause());
            return;
          }
          connectFailuresInARow = 0;
          if (unfinished == 0) {
            ar.result().close(); // a replacement that arrived after the round ended
            return;
          }
          Connection connection = new Connection(ar.result());
          connections.add(connection);
          pump(connection);
        });
    }

    private void connectFailed(Throwable cause) {
      connectFailuresInARow++;
      log.debug("Cannot connect to {}: {}", options.proxy(), cause.getMessage());
      if (connectFailuresInARow < MAX_CONNECT_FAILURES_IN_A_ROW) {
        openLater(Math.min(MAX_BACKOFF_MILLIS, 100L * connectFailuresInARow));
      } else if (live() == 0) {
        // Nobody is left to carry the queue: what is in it cannot be sent.
        String reason = "cannot connect to the proxy at " + options.proxy() + ": " + cause.getMessage();
        while (!queue.isEmpty()) {
          fail(queue.poll(), reason);
        }
      }
    }

    /**
     * Keeps {@code window} requests in flight on this connection while the queue has work. The requests sent at
     * once (in a dry run, a whole window) go out in one write.
     */
    private void pump(Connection connection) {
      connection.connection.cork();
      while (!connection.dead && connection.inFlight < options.window() && !queue.isEmpty()) {
        Item item = queue.poll();
        if (!item.counted) {
          item.counted = true;
          report.imageSent();
        }
        connection.inFlight++;
        send(connection, item);
      }
      connection.connection.uncork();
    }

    private void send(Connection connection, Item item) {
      if (!options.dryRun() && item.file.size() + requestOverhead(item.file) > options.maxFrameSize()) {
        connection.inFlight--;
        fail(item, "FRAME_TOO_LARGE: the file is " + item.file.size() + " bytes, over the " + options.maxFrameSize()
          + "-byte frame limit (maxFrameSize); not sent");
        pump(connection);
        return;
      }
      Future<Buffer> bytes = options.dryRun() ? Future.succeededFuture(Buffer.buffer())
        : vertx.fileSystem().readFile(item.file.path().toString());
      bytes.onComplete(read -> {
        if (read.failed()) {
          connection.inFlight--;
          fail(item, "cannot read " + item.file.path() + ": " + read.cause().getMessage());
          pump(connection);
          return;
        }
        if (connection.dead) {
          connection.inFlight--;
          requeue(item, "connection lost");
          return;
        }
        ResizeRequest request = new ResizeRequest(item.file.name(), item.file.format(), options.width(),
          options.height(), options.mode(), options.dryRun(), read.result());
        long started = System.nanoTime();
        connection.connection.send(request).onComplete(answer -> {
          connection.inFlight--;
          if (answer.failed()) {
            connectionLost(connection, answer.cause());
            requeue(item, answer.cause().getMessage());
          } else {
            connectionsLostInARow = 0;
            report.answered(answer.result().backend(), System.nanoTime() - started);
            handle(item, answer.result());
          }
          pump(connection);
        });
      });
    }

    private void connectionLost(Connection connection, Throwable cause) {
      if (connection.dead) {
        return;
      }
      connection.dead = true;
      report.bytes(connection.connection.bytesSent(), connection.connection.bytesReceived());
      log.info("Connection to {} lost ({}); resending its requests on a new one", options.proxy(), cause.getMessage());
      if (unfinished > 0) {
        // Back off when connections keep breaking before any answer (say, a proxy with no backend yet).
        openLater(++connectionsLostInARow <= 1 ? 0 : backoff(connectionsLostInARow));
      }
    }

    private void requeue(Item item, String reason) {
      requeue(item, reason, 0);
    }

    /** Sends {@code item} again, after {@code delayMillis}, unless it has used its resends. */
    private void requeue(Item item, String reason, long delayMillis) {
      if (item.resends >= options.retries()) {
        fail(item, "no answer after " + (item.resends + 1) + " attempts (last: " + reason + ")");
        return;
      }
      item.resends++;
      report.resent();
      if (delayMillis > 0) {
        vertx.setTimer(delayMillis, id -> enqueue(item));
      } else {
        enqueue(item);
      }
    }

    private void enqueue(Item item) {
      queue.addLast(item);
      connections.stream().filter(c -> !c.dead).forEach(this::pump);
    }

    private void handle(Item item, ResizeResponse response) {
      if (!response.ok()) {
        if (response.status() == Status.BUSY || response.status() == Status.TIMEOUT) {
          // The backend is saturated: give it time, more with each refusal of this request.
          requeue(item, response.status().label() + ": " + response.message(), backoff(item.resends + 1));
        } else {
          fail(item, response.status().name() + ": " + response.message());
        }
        return;
      }
      String invalid = check(item, response);
      if (invalid != null) {
        fail(item, invalid);
      } else if (options.dryRun()) {
        succeed();
      } else {
        write(item, response);
      }
    }

    /** Why an "ok" answer cannot be used, or null: a client trusts no backend with its file system. */
    private String check(Item item, ResizeResponse response) {
      if (!response.name().equals(item.file.name())) {
        return "the backend " + response.backend() + " answered for another file ('" + response.name() + "')";
      }
      if (options.dryRun()) {
        return null;
      }
      boolean fits = options.mode() == ResizeMode.EXACT
        ? response.width() == options.width() && response.height() == options.height()
        : response.width() >= 1 && response.height() >= 1 && response.width() <= options.width()
          && response.height() <= options.height();
      if (!fits) {
        return "the backend " + response.backend() + " answered " + response.width() + "x" + response.height()
          + ", outside the requested " + options.width() + "x" + options.height();
      }
      if (!response.format().equals("jpeg") && !response.format().equals("png")) {
        return "the backend " + response.backend() + " answered in an unknown format '" + response.format() + "'";
      }
      return null;
    }

    /** Writes through a temporary file and a rename, so a crash never leaves a half-written image. */
    private void write(Item item, ResizeResponse response) {
      Path target;
      try {
        target = OutputNames.resultPath(outputFolder, item.file.name(), response.width(), response.height(),
          response.format());
      } catch (IllegalArgumentException e) {
        fail(item, e.getMessage());
        return;
      }
      String temporary = outputFolder.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".part").toString();
      FileSystem fs = vertx.fileSystem();
      fs.writeFile(temporary, response.image())
        .compose(v -> fs.move(temporary, target.toString(), new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
        .onComplete(written -> {
          if (written.succeeded()) {
            succeed();
          } else {
            fs.delete(temporary);
            fail(item, "cannot write " + target + ": " + written.cause().getMessage());
          }
        });
    }

    /** Bytes of a request body besides the image: sizes, mode, flags, format and name. */
    private static int requestOverhead(ImageFile file) {
      return 2 + 2 + 1 + 1 + 1 + file.format().length() + 2
        + file.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** 100 ms, 200 ms, 400 ms... up to {@link #MAX_BACKOFF_MILLIS}. */
    private long backoff(int attempt) {
      return Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(attempt, 6));
    }

    private void succeed() {
      report.resized();
      progress.step(true);
      finishOne();
    }

    private void fail(Item item, String reason) {
      if (!item.counted) {
        item.counted = true;
        report.imageSent();
      }
      log.debug("{} failed: {}", item.file.name(), reason);
      report.failed(item.file.name(), reason);
      progress.step(false);
      finishOne();
    }

    private void finishOne() {
      if (--unfinished == 0) {
        for (Connection connection : connections) {
          if (!connection.dead) {
            report.bytes(connection.connection.bytesSent(), connection.connection.bytesReceived());
            connection.connection.close();
          }
        }
        done.tryComplete();
      }
    }
  }
}
