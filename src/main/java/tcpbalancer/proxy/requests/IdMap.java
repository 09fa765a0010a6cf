package tcpbalancer.proxy.requests;

import io.netty.util.collection.LongObjectHashMap;
import java.util.ArrayList;
import java.util.List;
import tcpbalancer.protocol.Frame;

/**
 * The requests in flight on one backend connection, by the id the proxy gave each there. Ids are the
 * connection's own (1 to 2^32-1, 0 is reserved by the protocol), so the ids of different clients never clash on
 * it; the request remembers its client's id for the way back. Keyed by primitive longs: no boxing a request.
 */
final class IdMap {

  private final LongObjectHashMap<ProxiedRequest> pending = new LongObjectHashMap<>();
  private long next = 1;

  /** Gives {@code request} an id no request in flight here has. */
  long add(ProxiedRequest request) {
    while (pending.containsKey(next)) {
      advance();
    }
    long id = next;
    advance();
    pending.put(id, request);
    return id;
  }

  private void advance() {
    next = next == Frame.MAX_REQUEST_ID ? 1 : next + 1;
  }

  /** The request answered under {@code id}, no longer in flight; null for an id not in flight. */
  ProxiedRequest remove(long id) {
    return pending.remove(id);
  }

  int size() {
    return pending.size();
  }

  /** Every request in flight, in no particular order; the map is empty afterwards. */
  List<ProxiedRequest> removeAll() {
    List<ProxiedRequest> all = new ArrayList<>(pending.values());
    pending.clear();
    return all;
  }
}
