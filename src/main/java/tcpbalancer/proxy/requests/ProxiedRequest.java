package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.Set;
import tcpbalancer.protocol.Frame;
import tcpbalancer.proxy.UpstreamState;

/**
 * One request frame on its way through the proxy: whose it is, under which id its client sent it, and its body,
 * kept (never decoded) until its answer arrives so that it can be sent again to another backend.
 */
final class ProxiedRequest {

  final ClientSession client;
  final long clientId;
  final Buffer body;
  /** How many times it was sent to a backend. */
  int sends;
  /** The backends it was sent to: a resend prefers another. */
  final Set<UpstreamState> tried = new HashSet<>(4);
  /** Why its last send failed, for the error frame if it gives up. */
  String lastFailure = "";

  ProxiedRequest(ClientSession client, long clientId, Buffer body) {
    this.client = client;
    this.clientId = clientId;
    this.body = body;
  }

  /** The bytes it holds in the proxy, header included: what counts against its client's byte budget. */
  int size() {
    return Frame.HEADER_SIZE + body.length();
  }
}
