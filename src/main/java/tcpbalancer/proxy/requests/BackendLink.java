package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.proxy.AdminState;
import tcpbalancer.proxy.UpstreamState;

/**
 * What one proxy instance has of one backend: a few {@link MultiplexedBackendConnection}s, opened as requests
 * need them, and the count of its requests in flight there, which the choice of backend reads. A backend whose
 * connect failed rests for {@link PoolSizing#COOL_OFF_MILLIS} before it gets requests again: the health checks
 * may take longer to take it down. Runs on the instance's event loop.
 */
final class BackendLink {

  private static final Logger log = LoggerFactory.getLogger(BackendLink.class);

  private final UpstreamState upstream;
  private final BackendPool pool;
  private final RequestMeters.UpstreamMeters meters;
  private final List<MultiplexedBackendConnection> connections = new ArrayList<>();
  private int inFlight;
  private long restsUntilNanos = System.nanoTime();
  /** The pool's number of the last choice of this backend: a tie goes to the one chosen longest ago. */
  private long lastChosen;
  /** Removed from the upstream list: it closes its connections once nothing is in flight on them. */
  private boolean retired;

  BackendLink(UpstreamState upstream, BackendPool pool) {
    this.upstream = upstream;
    this.pool = pool;
    this.meters = pool.meters().of(upstream);
  }

  UpstreamState upstream() {
    return upstream;
  }

  RequestMeters.UpstreamMeters meters() {
    return meters;
  }

  FlushBatch flushBatch() {
    return pool.flushBatch();
  }

  int inFlight() {
    return inFlight;
  }

  /** Whether it may get new requests: up, ready as far as the operator is concerned, and not resting. */
  boolean eligible() {
    return upstream.adminState() == AdminState.READY && upstream.isUp() && System.nanoTime() - restsUntilNanos >= 0;
  }

  /** Whether a request sent now goes out at once: one can be opened, or a connection has room in its window. */
  boolean hasRoom() {
    if (connections.size() < PoolSizing.CONNECTIONS_PER_BACKEND) {
      return true;
    }
    for (int i = 0; i < connections.size(); i++) {
      if (hasRoom(connections.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasRoom(MultiplexedBackendConnection connection) {
    return connection.writable() && connection.inFlight() < PoolSizing.WINDOW_PER_CONNECTION;
  }

  long lastChosen() {
    return lastChosen;
  }

  void chosen(long choice) {
    lastChosen = choice;
  }

  /** Requests in flight relative to the backend's weight, counting the one about to be sent. */
  double loadWithOneMore() {
    return (inFlight + 1.0) / upstream.upstream().weight();
  }

  /** Sends {@code request} on the connection with the fewest in flight; opens another when all have some. */
  void send(ProxiedRequest request) {
    MultiplexedBackendConnection connection = roomiest();
    if (connection == null
      || connection.inFlight() > 0 && connections.size() < PoolSizing.CONNECTIONS_PER_BACKEND) {
      connection = new MultiplexedBackendConnection(this);
      connections.add(connection);
      connection.connect(pool.netClient(), PoolSizing.MAX_FRAME_SIZE);
    }
    inFlight++;
    upstream.addRequestsInFlight(1);
    meters.sent();
    connection.send(request);
  }

  private MultiplexedBackendConnection roomiest() {
    MultiplexedBackendConnection best = null;
    for (int i = 0; i < connections.size(); i++) { // indexed: no iterator a request
      MultiplexedBackendConnection connection = connections.get(i);
      if (hasRoom(connection) && (best == null || connection.inFlight() < best.inFlight())) {
        best = connection;
      }
    }
    return best;
  }

  void answered(ProxiedRequest request, Buffer body) {
    inFlight--;
    upstream.addRequestsInFlight(-1);
    meters.answered();
    if (retired && inFlight == 0) {
      closeAll("removed from the upstream list");
    }
    pool.answered(this, request, body);
  }

  /** A connection broke: its requests in flight go back to the pool, to be sent elsewhere. */
  void lost(MultiplexedBackendConnection connection, List<ProxiedRequest> requests, String why) {
    connections.remove(connection);
    inFlight -= requests.size();
    upstream.addRequestsInFlight(-requests.size());
    requests.forEach(request -> meters.answered());
    pool.lost(this, requests, why);
  }

  void connectFailed(MultiplexedBackendConnection connection, Throwable cause) {
    restsUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PoolSizing.COOL_OFF_MILLIS);
    log.warn("Connect to {} failed ({}): it gets no requests for {} ms", upstream.upstream().address(),
      cause.getMessage(), PoolSizing.COOL_OFF_MILLIS);
  }

  /** A connection's write queue drained: requests waiting for room may go now. */
  void writable() {
    pool.dispatchWaiting();
  }

  /** The backend left the upstream list: no new requests come (the pool forgot it); open ones finish. */
  void retire() {
    retired = true;
    if (inFlight == 0) {
      closeAll("removed from the upstream list");
    }
  }

  /** Closes every connection (the backend went down, the proxy stops); their requests are sent elsewhere. */
  void closeAll(String why) {
    new ArrayList<>(connections).forEach(connection -> connection.close(why));
  }
}
