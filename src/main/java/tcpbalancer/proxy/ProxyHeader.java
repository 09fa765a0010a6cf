package tcpbalancer.proxy;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

/**
 * Writes a PROXY protocol header (v1 or v2) at the start of a connection to an upstream, so that it learns the
 * real client's address. The bytes come from Netty's {@link HAProxyMessageEncoder}: it is put in the socket's
 * pipeline for the one write and taken out once it is done, so the relay's buffers that follow pass through a
 * pipeline as short as before.
 */
public final class ProxyHeader {

  private static final String ENCODER = "tcpbalancer-proxy-header";
  private static final String IPV4_MAPPED = "::ffff:";

  private ProxyHeader() {
  }

  /**
   * Writes the header saying that {@code client} connected to {@code destination} (the address it reached the
   * proxy on). Call on the socket's event loop, before any other write; later writes follow it in order.
   */
  static Future<Void> send(NetSocket upstream, SendProxy version, SocketAddress client, SocketAddress destination) {
    return write(upstream, header(version.version(), client, destination, upstream.localAddress(),
      upstream.remoteAddress()));
  }

  /**
   * Writes the header of a connection the proxy makes for itself, a health check: v2's LOCAL command, which
   * tells the upstream to use the connection's own addresses; in v1 those addresses (HAProxy's checks do both).
   */
  public static Future<Void> sendLocal(NetSocket upstream, SendProxy version) {
    if (version == SendProxy.V2) {
      return write(upstream, new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
        HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    }
    return write(upstream, tcp(version.version(), upstream.localAddress(), upstream.remoteAddress()));
  }

  /**
   * The header for a connection from {@code source} to {@code destination}. A client with no IP address to pass
   * on (a Unix socket's, named by an inbound v2 header) is {@code UNKNOWN} in v2; Netty's v1 encoder cannot
   * write {@code UNKNOWN}, so v1 then carries {@code ownSource} and {@code ownDestination}, the proxy's own
   * connection, as v1's {@code UNKNOWN} would have the upstream use.
   */
  static HAProxyMessage header(HAProxyProtocolVersion version, SocketAddress source, SocketAddress destination,
                               SocketAddress ownSource, SocketAddress ownDestination) {
    if (source.isInetSocket() && destination.isInetSocket()) {
      return tcp(version, source, destination);
    }
    if (version == HAProxyProtocolVersion.V2) {
      return new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }
    return tcp(version, ownSource, ownDestination);
  }

  /**
   * A TCP header. Both addresses must be of one family: an IPv4 address beside an IPv6 one is written as
   * IPv4-mapped IPv6.
   */
  static HAProxyMessage tcp(HAProxyProtocolVersion version, SocketAddress source, SocketAddress destination) {
    String from = ip(source);
    String to = ip(destination);
    boolean sixFrom = from.indexOf(':') >= 0;
    boolean sixTo = to.indexOf(':') >= 0;
    if (!sixFrom && !sixTo) {
      return new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, from, to,
        source.port(), destination.port());
    }
    return new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6,
      sixFrom ? from : IPV4_MAPPED + from, sixTo ? to : IPV4_MAPPED + to, source.port(), destination.port());
  }

  /**
   * The IP address of a socket's address; {@code fe80::1%eth0} is {@code fe80::1} in a header: the scope means
   * nothing on the upstream's host.
   */
  private static String ip(SocketAddress socketAddress) {
    String address = socketAddress.hostAddress() != null ? socketAddress.hostAddress() : socketAddress.host();
    int percent = address.indexOf('%');
    return percent < 0 ? address : address.substring(0, percent);
  }

  private static Future<Void> write(NetSocket upstream, HAProxyMessage header) {
    NetSocketInternal socket = (NetSocketInternal) upstream;
    ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
    // Vert.x writes from its own handler's context: an encoder just before it sees the message on its way out.
    pipeline.addBefore("handler", ENCODER, HAProxyMessageEncoder.INSTANCE);
    return socket.writeMessage(header).andThen(written -> {
      if (pipeline.get(ENCODER) != null) {
        pipeline.remove(ENCODER);
      }
      // The encoder releases what it encodes; a write Vert.x still held when the socket closed never reached it.
      if (written.failed() && header.refCnt() > 0) {
        header.release();
      }
    });
  }
}
