package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.config.Addresses;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * One round of a {@link LoadRun}: every image once, over between {@code minConns} and {@code maxConns}
 * connections that take their requests from one queue, up to {@code window} each, so fast connections do more.
 * A broken connection's unanswered requests go back on the queue and a new connection replaces it; a request is
 * given up after {@code retries} resends, or at once when the backend refuses it (a bad image is not sent again).
 * What an answer turns into is the {@link ResultWriter}'s business.
 */
final class RoundScheduler {

  private static final Logger log = LoggerFactory.getLogger(RoundScheduler.class);
  /**
   * Connect failures in a row, counted over the whole round, after which it stops opening connections. The n-th
   * failure waits n × 100 ms before the next attempt: one connection retrying alone stops after 4.5 s of waits in
   * all, plus the time each of its 10 attempts took to fail.
   */
  private static final int MAX_CONNECT_FAILURES_IN_A_ROW = 10;
  /** The longest wait before a reconnect or a resend after a busy answer. */
  private static final long MAX_BACKOFF_MILLIS = 2_000;

  private final Vertx vertx;
  private final ClientOptions options;
  private final NetClient netClient;
  private final RunReport report;
  private final Progress progress;
  private final ResultWriter results;
  private final int number;
  private final Deque<Item> queue = new ArrayDeque<>();
  private final List<ResizeConnection> connections = new ArrayList<>();
  private final Promise<Void> done = Promise.promise();
  private int unfinished;
  private int connecting;
  private int reopening;
  private int connectFailuresInARow;
  private int connectionsLostInARow;

  /** An image of this round, with what the round has done with it so far. */
  private static final class Item {
    final ImageFile file;
    int resends;
    /** Whether the report counts it as sent yet (it is, once, when first sent or when it fails unsent). */
    boolean counted;

    Item(ImageFile file) {
      this.file = file;
    }
  }

  RoundScheduler(Vertx vertx, ClientOptions options, NetClient netClient, RunReport report, Progress progress,
                 ResultWriter results, int number) {
    this.vertx = vertx;
    this.options = options;
    this.netClient = netClient;
    this.report = report;
    this.progress = progress;
    this.results = results;
    this.number = number;
  }

  /** Sends every image of {@code images}; completes when each is resized or has failed for good. */
  Future<Void> run(List<ImageFile> images) {
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

  /** Connections that carry, or soon will carry, requests: open, connecting, or waiting to reconnect. */
  private int live() {
    return (int) connections.stream().filter(c -> !c.abandoned()).count() + connecting + reopening;
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
        connections.add(ar.result());
        pump(ar.result());
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
  private void pump(ResizeConnection connection) {
    connection.cork();
    while (!connection.abandoned() && connection.inFlight() < options.window() && !queue.isEmpty()) {
      Item item = queue.poll();
      if (!item.counted) {
        item.counted = true;
        report.imageSent();
      }
      connection.requestTaken();
      send(connection, item);
    }
    connection.uncork();
  }

  private void send(ResizeConnection connection, Item item) {
    long bodySize = ResizeRequest.bodySize(item.file.name(), item.file.format(), item.file.size());
    if (!options.dryRun() && bodySize > options.maxFrameSize()) {
      connection.requestSettled();
      fail(item, "FRAME_TOO_LARGE: the file is " + item.file.size() + " bytes, over the " + options.maxFrameSize()
        + "-byte frame limit (maxFrameSize); not sent");
      pump(connection);
      return;
    }
    Future<Buffer> bytes = options.dryRun() ? Future.succeededFuture(Buffer.buffer())
      : vertx.fileSystem().readFile(item.file.path().toString());
    bytes.onComplete(read -> {
      if (read.failed()) {
        connection.requestSettled();
        fail(item, "cannot read " + item.file.path() + ": " + read.cause().getMessage());
        pump(connection);
        return;
      }
      if (connection.abandoned()) {
        connection.requestSettled();
        requeue(item, "connection lost");
        return;
      }
      ResizeRequest request = new ResizeRequest(item.file.name(), item.file.format(), options.width(),
        options.height(), options.mode(), options.dryRun(), read.result());
      long started = System.nanoTime();
      connection.send(request).onComplete(answer -> {
        connection.requestSettled();
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

  private void connectionLost(ResizeConnection connection, Throwable cause) {
    if (!connection.abandon()) {
      return;
    }
    report.bytes(connection.bytesSent(), connection.bytesReceived());
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
    connections.stream().filter(c -> !c.abandoned()).forEach(this::pump);
  }

  private void handle(Item item, ResizeResponse response) {
    if (response.ok()) {
      results.accept(item.file, response).onComplete(stored -> {
        if (stored.succeeded()) {
          succeed();
        } else {
          fail(item, stored.cause().getMessage());
        }
      });
    } else if (response.status() == Status.BUSY || response.status() == Status.TIMEOUT) {
      // The backend is saturated: give it time, more with each refusal of this request.
      requeue(item, response.status().label() + ": " + response.message(), backoff(item.resends + 1));
    } else {
      fail(item, response.status().name() + ": " + response.message());
    }
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
      for (ResizeConnection connection : connections) {
        if (!connection.abandoned()) {
          report.bytes(connection.bytesSent(), connection.bytesReceived());
          connection.close();
        }
      }
      done.tryComplete();
    }
  }
}
