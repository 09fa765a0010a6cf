package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The headers {@link ProxyHeader} builds, as Netty's own decoder reads them back. */
class ProxyHeaderTest {

  private static final SocketAddress PROXY_SIDE = address("10.0.0.1", 50000);
  private static final SocketAddress UPSTREAM_SIDE = address("10.0.0.2", 9091);

  @ParameterizedTest
  @EnumSource(HAProxyProtocolVersion.class)
  void anIpv4ClientIsSentAsTcp4(HAProxyProtocolVersion version) {
    HAProxyMessage read = roundTrip(ProxyHeader.header(version, address("127.0.0.2", 40000),
      address("127.0.0.1", 9090), PROXY_SIDE, UPSTREAM_SIDE));
    try {
      assertThat(read.protocolVersion()).isEqualTo(version);
      assertThat(read.command()).isEqualTo(HAProxyCommand.PROXY);
      assertThat(read.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
      assertThat(read.sourceAddress() + ":" + read.sourcePort()).isEqualTo("127.0.0.2:40000");
      assertThat(read.destinationAddress() + ":" + read.destinationPort()).isEqualTo("127.0.0.1:9090");
    } finally {
      read.release();
    }
  }

  @Test
  void anIpv4ClientOfAnIpv6AddressIsSentIpv4MappedAndAScopeIsDropped() {
    HAProxyMessage read = roundTrip(ProxyHeader.header(HAProxyProtocolVersion.V2, address("192.0.2.7", 40000),
      address("fe80::1%1", 9090), PROXY_SIDE, UPSTREAM_SIDE));
    try {
      assertThat(read.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
      assertThat(read.sourceAddress()).isEqualTo("0:0:0:0:0:ffff:c000:207");
      assertThat(read.destinationAddress()).isEqualTo("fe80:0:0:0:0:0:0:1");
    } finally {
      read.release();
    }
  }

  @Test
  void aUnixSocketClientIsUnknownInV2AndTheProxysOwnConnectionInV1() {
    SocketAddress unixClient = SocketAddress.domainSocketAddress("/run/client.sock");
    HAProxyMessage v2 = roundTrip(ProxyHeader.header(HAProxyProtocolVersion.V2, unixClient,
      address("127.0.0.1", 9090), PROXY_SIDE, UPSTREAM_SIDE));
    HAProxyMessage v1 = roundTrip(ProxyHeader.header(HAProxyProtocolVersion.V1, unixClient,
      address("127.0.0.1", 9090), PROXY_SIDE, UPSTREAM_SIDE));
    try {
      assertThat(v2.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
      assertThat(v1.sourceAddress() + ":" + v1.sourcePort()).isEqualTo("10.0.0.1:50000");
      assertThat(v1.destinationAddress() + ":" + v1.destinationPort()).isEqualTo("10.0.0.2:9091");
    } finally {
      v2.release();
      v1.release();
    }
  }

  private static SocketAddress address(String ip, int port) {
    try {
      return SocketAddress.inetSocketAddress(new InetSocketAddress(InetAddress.getByName(ip), port));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Encodes with Netty's encoder, decodes with its decoder. */
  private static HAProxyMessage roundTrip(HAProxyMessage header) {
    EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    encoder.writeOutbound(header);
    ByteBuf bytes = encoder.readOutbound();
    encoder.finishAndReleaseAll();
    EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
    decoder.writeInbound(bytes);
    HAProxyMessage read = decoder.readInbound();
    decoder.finishAndReleaseAll();
    return read;
  }
}
