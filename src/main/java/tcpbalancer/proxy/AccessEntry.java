package tcpbalancer.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.internal.net.NetSocketInternal;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access-log line of one client connection, recorded as the connection goes and written once when it ends,
 * to logger {@value #LOGGER}. A {@link ProxyConnection} makes one only when {@code accessLog} is on, so a proxy
 * without an access log records nothing per connection. Runs on the connection's event loop.
 */
final class AccessEntry {

  static final String LOGGER = "tcpbalancer.access";
  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  private final AccessLogFormat format;
  private final String proxy;
  private final String client;
  private final long acceptMillis = System.currentTimeMillis();
  private final long acceptNanos = System.nanoTime();
  private long queuedNanos = -1;
  private long connectNanos = -1;
  private String upstream;
  private boolean idled;
  private boolean draining;

  AccessEntry(AccessLogFormat format, String proxy, NetSocket client) {
    this.format = format;
    this.proxy = proxy;
    this.client = String.valueOf(client.remoteAddress());
    watchIdle(client);
    client.shutdownHandler(v -> draining = true); // the proxy began to stop
  }

  /** The connection got a slot, or was refused one: the time it waited in the queue. */
  void queueLeft() {
    queuedNanos = System.nanoTime() - acceptNanos;
  }

  /** A connect to {@code address} begins: the line names the last upstream tried. */
  void connecting(String address) {
    upstream = address;
  }

  /** The upstream connection is open: the time it took since the slot, failed attempts included. */
  void connected(NetSocket upstreamSocket) {
    connectNanos = System.nanoTime() - acceptNanos - Math.max(queuedNanos, 0);
    watchIdle(upstreamSocket);
  }

  /** Whether the proxy began to stop while the connection was open. */
  boolean draining() {
    return draining;
  }

  /** Whether a socket of the connection was closed by the idle timeout. */
  boolean idled() {
    return idled;
  }

  /** Writes the line: {@code bytesIn} came from the client, {@code bytesOut} from the upstream. */
  void write(EndReason end, long bytesIn, long bytesOut) {
    long durationMillis = millis(System.nanoTime() - acceptNanos);
    if (format == AccessLogFormat.JSON) {
      log.info(new JsonObject().put("start", Instant.ofEpochMilli(acceptMillis).toString()).put("proxy", proxy)
        .put("client", client).put("upstream", upstream).put("queued_ms", millis(queuedNanos))
        .put("connect_ms", millis(connectNanos)).put("duration_ms", durationMillis).put("bytes_in", bytesIn)
        .put("bytes_out", bytesOut).put("end", end.toString()).encode());
    } else {
      log.info("start={} proxy={} client={} upstream={} queued_ms={} connect_ms={} duration_ms={} bytes_in={} "
          + "bytes_out={} end={}", Instant.ofEpochMilli(acceptMillis), proxy, client,
        upstream == null ? "-" : upstream, millis(queuedNanos), millis(connectNanos), durationMillis, bytesIn,
        bytesOut, end);
    }
  }

  private static long millis(long nanos) {
    return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /**
   * Notes the idle timeout, which Vert.x handles by closing the socket without telling its handlers. The watch
   * sits after Netty's idle handler (there is none when {@code idleTimeoutSeconds} is 0) and passes every event on.
   */
  private void watchIdle(NetSocket socket) {
    ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
    if (pipeline.get("idle") != null) {
      pipeline.addAfter("idle", "accessLogIdle", new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
          if (event instanceof IdleStateEvent) {
            idled = true;
          }
          ctx.fireUserEventTriggered(event);
        }
      });
    }
  }
}
