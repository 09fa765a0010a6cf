package tcpbalancer.config;

import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

/** Reads {@code host:port} addresses from configs and flags into Vert.x's {@link HostAndPort}. */
public final class Addresses {

  private Addresses() {
  }

  /** Parses {@code host:port} (IPv6 hosts in brackets); {@code path} names the field in the error. */
  public static HostAndPort parse(String address, String path) {
    int colon = address.lastIndexOf(':');
    String host = colon > 0 ? address.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String port = colon > 0 ? address.substring(colon + 1) : "";
    if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      throw new ConfigException(path + ": must be host:port with a port of 1..65535, got '" + address + "'");
    }
    return HostAndPort.create(host, Integer.parseInt(port));
  }

  /** The address to connect to. */
  public static SocketAddress socketAddress(HostAndPort address) {
    return SocketAddress.inetSocketAddress(address.port(), address.host());
  }
}
