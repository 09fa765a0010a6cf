package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, from accept to close: it waits for one of the proxy's connection slots, picks an
 * upstream (trying the next one when a connect fails, up to {@code retries} more), relays the bytes both ways,
 * and at the end gives back everything it held, once. Runs on the event loop that accepted it.
 */
final class ProxyConnection {

  private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);

  private final NetSocket client;
  private final ProxyRuntime runtime;
  private final NetClient upstreamClient;
  private final Consumer<ProxyConnection> onReleased;
  private boolean holdsSlot;
  /** The upstream this connection holds a slot on: while connecting, then while relaying. */
  private UpstreamState reserved;
  private NetSocket upstreamSocket;
  private Relay relay;
  private boolean released;
  /** Its access-log line; null when the access log is off, so that nothing is recorded. */
  private final AccessEntry access;
  /** Set when the proxy ends the connection for a reason of its own: refused, connect failed, closed. */
  private EndReason endedBy;
  /** Whether the last upstream connect failed in its TLS handshake: the access log says so. */
  private boolean lastConnectFailedTls;

  ProxyConnection(NetSocket client, ProxyRuntime runtime, NetClient upstreamClient,
                  Consumer<ProxyConnection> onReleased) {
    this.client = client;
    this.runtime = runtime;
    this.upstreamClient = upstreamClient;
    this.onReleased = onReleased;
    ProxyOptions options = runtime.options();
    this.access = options.accessLog() ? new AccessEntry(options.accessLogFormat(), options.name(), client) : null;
  }

  void start() {
    Relay.hold(client, this::release); // not a byte is read until an upstream is connected
    runtime.limiter().acquire().onComplete(slot -> {
      if (access != null) {
        access.queueLeft();
      }
      if (slot.failed()) {
        endedBy = EndReason.REFUSED;
        log.warn("Refusing connection from {}: {}", client.remoteAddress(), slot.cause().getMessage());
        client.close();
        release();
        return;
      }
      holdsSlot = true;
      if (released) { // it hung up while it waited for a slot
        release();
        return;
      }
      connectUpstream(new HashSet<>(), 0).onComplete(connected -> {
        if (connected.failed()) {
          endedBy = lastConnectFailedTls ? EndReason.TLS_HANDSHAKE_FAILED : EndReason.CONNECT_FAILED;
          log.warn("Closing connection from {}: {}", client.remoteAddress(), connected.cause().getMessage());
          client.close();
          release();
        } else if (released) { // it hung up while its upstream connection was made
          release();
        } else {
          relay = new Relay(Vertx.currentContext().owner(), client, upstreamSocket, reserved,
            runtime.options().finTimeoutMillis(), this::release);
          relay.start();
          log.debug("{} -> {}", client.remoteAddress(), reserved.upstream().address());
        }
      });
    });
  }

  /**
   * True while the connection connects or relays to {@code upstream}: one still connecting when its upstream goes
   * away must be closed too, or it would relay to the departed upstream once connected.
   */
  boolean relaysTo(UpstreamState upstream) {
    return reserved == upstream;
  }

  /** Closes the connection now, whatever it is doing: the end of a drain, its upstream taken down. */
  void close(EndReason reason) {
    if (endedBy == null) {
      endedBy = reason;
    }
    if (relay != null) {
      relay.closeBoth();
    } else {
      client.close();
    }
  }

  /**
   * Gives back what the connection holds now: its upstream socket and slot, its slot on the proxy. Safe to call
   * any number of times: a step that completes after the connection ended calls it again for what it obtained.
   */
  private void release() {
    if (upstreamSocket != null && relay == null) {
      upstreamSocket.close(); // the relay closes its own
    }
    upstreamSocket = null;
    if (reserved != null) {
      reserved.release();
      reserved = null;
    }
    if (holdsSlot) {
      holdsSlot = false;
      runtime.limiter().release();
    }
    if (!released) {
      released = true;
      if (access != null) {
        access.write(endReason(), relay == null ? 0 : relay.bytesFromClient(),
          relay == null ? 0 : relay.bytesFromUpstream());
      }
      onReleased.accept(this);
    }
  }

  /** Only the access log asks, once the connection ended. */
  private EndReason endReason() {
    if (endedBy != null) {
      return endedBy;
    }
    if (access.idled()) {
      return EndReason.IDLE_TIMEOUT;
    }
    if (relay != null && relay.finTimedOut()) {
      return EndReason.FIN_TIMEOUT;
    }
    if (relay != null && relay.upstreamClosedFirst()) {
      return EndReason.UPSTREAM_CLOSED;
    }
    return access.draining() ? EndReason.DRAINED : EndReason.CLIENT_CLOSED;
  }

  /**
   * Tells an upstream that wants it who the client is, before any of the client's bytes: the header carries the
   * client's address (the real one, with {@code acceptProxy}) and the address it connected to.
   */
  private void sendProxyHeader(NetSocket socket, Upstream upstream) {
    if (upstream.sendProxy() != SendProxy.OFF) {
      ProxyHeader.send(socket, upstream.sendProxy(), client.remoteAddress(), client.localAddress())
        .onFailure(e -> log.debug("PROXY header to {} failed: {}", upstream.address(), e.getMessage()));
    }
  }

  /** Connects to a healthy upstream; on failure tries the next one, up to {@code retries} more times. */
  private Future<Void> connectUpstream(Set<UpstreamState> tried, int attempt) {
    UpstreamGroup group = runtime.group();
    UpstreamState chosen = group.reserve(tried, client.remoteAddress());
    if (chosen == null) {
      return Future.failedFuture(tried.isEmpty()
        ? "no upstream is up (of " + group.upstreams().size() + ")"
        : "every upstream that is up failed to connect (" + tried.size() + " tried)");
    }
    reserved = chosen;
    if (access != null) {
      access.connecting(chosen.upstream().address());
    }
    return upstreamClient.connect(chosen.upstream().socketAddress())
      .<Void>map(socket -> {
        Relay.hold(socket, () -> { });
        sendProxyHeader(socket, chosen.upstream());
        chosen.connected();
        upstreamSocket = socket;
        if (access != null) {
          access.connected(socket);
        }
        return null;
      })
      .recover(failure -> {
        if (reserved == chosen) { // else release() gave it back when the client hung up
          reserved = null;
          chosen.release();
        }
        chosen.connectFailed(failure, runtime.options().failuresBeforeDown());
        lastConnectFailedTls = failure instanceof SSLException;
        tried.add(chosen);
        log.debug("Connect to {} failed: {}", chosen.upstream().address(), failure.getMessage());
        if (released || attempt >= runtime.options().retries()) {
          return Future.failedFuture("gave up after " + (attempt + 1) + " connect attempts (last: "
            + chosen.upstream().address() + ": " + failure.getMessage() + ")");
        }
        return connectUpstream(tried, attempt + 1);
      });
  }
}
