package tcpbalancer.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What the status page shows of a proxy at one instant: its name, its inbound connections and each upstream with
 * its counters (docs/admin.md, "Status page"). Counters are totals: the page turns two snapshots into rates.
 */
final class StatusSnapshot {

  private StatusSnapshot() {
  }

  static JsonObject of(ProxyRuntime runtime) {
    JsonArray upstreams = new JsonArray();
    runtime.upstreams().forEach(upstream -> upstreams.add(upstream(upstream)));
    return new JsonObject()
      .put("proxy", runtime.name())
      .put("at", System.currentTimeMillis())
      .put("listening", runtime.listening())
      .put("inbound", new JsonObject()
        .put("active", runtime.inboundActive())
        .put("queued", runtime.queued())
        .put("maxConns", runtime.options().maxConns()))
      .put("upstreams", upstreams);
  }

  /** The fields of an upstream in {@code GET /api/upstreams}, so that the page reads both alike. */
  static JsonObject upstream(UpstreamState state) {
    Upstream upstream = state.upstream();
    return new JsonObject()
      .put("address", upstream.address())
      .put("up", state.isUp())
      .put("weight", upstream.weight())
      .put("maxConns", upstream.maxConns())
      .put("active", state.active())
      .put("total", state.total())
      .put("connectFailures", state.connectFailures())
      .put("bytesToUpstream", state.bytesToUpstream())
      .put("bytesFromUpstream", state.bytesFromUpstream())
      .put("lastStateChange", state.lastStateChange().map(change -> new JsonObject()
        .put("up", change.up()).put("reason", change.reason()).put("at", change.at().toString())).orElse(null));
  }
}
