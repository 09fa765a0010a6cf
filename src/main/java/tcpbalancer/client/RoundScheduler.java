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
import java.util.concurrent.TimeUnit;
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
 * given up after {@code retries} such resends, or at once when the backend refuses it (a bad image is not sent
 * again). A busy backend is flow control, not failure: a busy answer is resent after a {@link Backoff} for up to
 * {@code requestTimeoutMillis}, whatever the count. When the proxy cannot be reached, connects are tried again
 * with a {@link Backoff} for up to {@code reconnectTimeoutMillis} from the first failure of the outage. What an
 * answer turns into is the {@link ResultWriter}'s business.
 */
final class RoundScheduler {

  private static final Logger log = LoggerFactory.getLogger(RoundScheduler.class);

  private final Vertx vertx;
  private final ClientOptions options;
  private final NetClient netClient;
  private final RunReport report;
  private final Progress progress;
  private final ResultWriter results;
  private final int number;
  private final Deque<QueuedImage> queue = new ArrayDeque<>();
  private final List<ResizeConnection> connections = new ArrayList<>();
  private final Promise<Void> done = Promise.promise();
  private int unfinished;
  private int connecting;
  private int reopening;
  private final ProxyOutage outage;
  /** Set once the round gave up reaching the proxy: why, for every image nobody is left to send. */
  private String unreachable;
  private int connectionsLostInARow;

  RoundScheduler(Vertx vertx, ClientOptions options, NetClient netClient, RunReport report, Progress progress,
                 ResultWriter results, int number) {
    this.vertx = vertx;
    this.options = options;
    this.netClient = netClient;
    this.report = report;
    this.progress = progress;
    this.results = results;
    this.number = number;
    this.outage = new ProxyOutage(options.reconnectTimeoutMillis(), progress);
  }

  /** Sends every image of {@code images}; completes when each is resized or has failed for good. */
  Future<Void> run(List<ImageFile> images) {
    images.forEach(image -> queue.add(new QueuedImage(image)));
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
        if (outage.end()) {
          log.info("Round {}: connected to {} again", number, options.proxy());
        }
        if (unfinished == 0) {
          ar.result().close(); // a replacement that arrived after the round ended
          return;
        }
        connections.add(ar.result());
        pump(ar.result());
      });
  }

  private void connectFailed(Throwable cause) {
    long waitMillis = outage.connectFailed();
    if (outage.justStarted()) {
      log.info("Round {}: cannot connect to {} ({}); trying again for up to {} ms", number, options.proxy(),
        cause.getMessage(), options.reconnectTimeoutMillis());
    }
    if (unfinished > 0 && waitMillis > 0) {
      openLater(waitMillis);
    } else if (unfinished > 0 && live() == 0) {
      // Nobody is left to carry the queue: what is in it, or comes back to it, cannot be sent.
      unreachable = "cannot connect to the proxy at " + options.proxy() + " for " + options.reconnectTimeoutMillis()
        + " ms (reconnectTimeoutMillis): " + cause.getMessage();
      outage.end();
      while (!queue.isEmpty()) {
        fail(queue.poll(), unreachable);
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
      QueuedImage item = queue.poll();
      if (!item.counted) {
        item.counted = true;
        report.imageSent();
      }
      connection.requestTaken();
      send(connection, item);
    }
    connection.uncork();
  }

  private void send(ResizeConnection connection, QueuedImage item) {
    long bodySize = ResizeRequest.bodySize(item.file.name(), item.file.format(), item.file.size(),
      options.hasOutputOptions());
    if (!options.dryRun() && bodySize > options.maxFrameSize()) {
      connection.requestSettled();
      fail(item, "FRAME_TOO_LARGE: the file is " + item.file.size() + " bytes, over the " + options.maxFrameSize()
        + "-byte frame limit (maxFrameSize); not sent");
      pump(connection);
      return;
    }
    Future<Buffer> bytes = options.dryRun() ? Future.succeededFuture(Buffer.buffer())
      : ImageBytes.read(vertx, item.file.path());
    bytes.onComplete(read -> {
      if (read.failed()) {
        connection.requestSettled();
        fail(item, read.cause().getMessage());
        pump(connection);
        return;
      }
      if (connection.abandoned()) {
        connection.requestSettled();
        requeue(item, "connection lost");
        return;
      }
      ResizeRequest request = new ResizeRequest(item.file.name(), item.file.format(), options.width(),
        options.height(), options.mode(), options.dryRun(), read.result(), options.format(), options.quality());
      if (item.firstSentNanos == 0) {
        item.firstSentNanos = System.nanoTime();
      }
      connection.send(request).onComplete(answer -> {
        connection.requestSettled();
        if (answer.failed()) {
          connectionLost(connection, answer.cause());
          requeue(item, answer.cause().getMessage());
        } else {
          connectionsLostInARow = 0;
          report.answered(answer.result().backend());
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
      openLater(++connectionsLostInARow <= 1 ? 0 : Backoff.millis(connectionsLostInARow - 1));
    }
  }

  /** Sends {@code item} again after its connection was lost, unless it has used its resends. */
  private void requeue(QueuedImage item, String reason) {
    if (item.resends >= options.retries()) {
      fail(item, "no answer after " + (item.resends + 1) + " attempts (last: " + reason + ")");
      return;
    }
    item.resends++;
    report.resent();
    enqueue(item);
  }

  /** Sends {@code item} again after a pause, unless the backend has been busy for it for the request timeout. */
  private void resendWhenLessBusy(QueuedImage item, ResizeResponse busy) {
    long now = System.nanoTime();
    if (item.busyAnswers++ == 0) {
      item.busySinceNanos = now;
    }
    long busyMillis = TimeUnit.NANOSECONDS.toMillis(now - item.busySinceNanos);
    if (busyMillis >= options.requestTimeoutMillis()) {
      fail(item, "still " + busy.status().label() + " after " + item.busyAnswers + " answers in " + busyMillis
        + " ms (requestTimeoutMillis): " + busy.message());
      return;
    }
    report.resent();
    vertx.setTimer(Math.max(1, Backoff.millis(item.busyAnswers)), id -> enqueue(item));
  }

  private void enqueue(QueuedImage item) {
    if (unreachable != null && live() == 0) {
      fail(item, unreachable);
      return;
    }
    queue.addLast(item);
    connections.stream().filter(c -> !c.abandoned()).forEach(this::pump);
  }

  private void handle(QueuedImage item, ResizeResponse response) {
    if (response.status() == Status.BUSY || response.status() == Status.TIMEOUT) {
      resendWhenLessBusy(item, response);
      return;
    }
    report.latency(System.nanoTime() - item.firstSentNanos);
    if (response.ok()) {
      results.accept(item.file, response).onComplete(stored -> {
        if (stored.succeeded()) {
          succeed();
        } else {
          fail(item, stored.cause().getMessage());
        }
      });
    } else {
      fail(item, response.status().name() + ": " + response.message());
    }
  }

  private void succeed() {
    report.resized();
    progress.step(true);
    finishOne();
  }

  private void fail(QueuedImage item, String reason) {
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
      outage.end();
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
