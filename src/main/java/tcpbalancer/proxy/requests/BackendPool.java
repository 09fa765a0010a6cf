package tcpbalancer.proxy.requests;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tcpbalancer.protocol.Status;
import tcpbalancer.proxy.UpstreamGroup;
import tcpbalancer.proxy.UpstreamState;

/**
 * The backends as one proxy instance sees them in request mode: one {@link BackendLink} each, and the requests
 * waiting because every backend's window is full. It chooses the backend of each request: the least requests in
 * flight relative to weight among those up and ready, preferring one the request has not been sent to yet. It
 * resends a request whose connection broke or whose backend answered {@code BUSY}, up to {@code retries} times.
 * Runs on the instance's event loop.
 */
final class BackendPool {

  private final Context context;
  private final UpstreamGroup group;
  private final NetClient netClient;
  private final RequestMeters meters;
  private final int retries;
  private final boolean closeWhenDown;
  private final Map<UpstreamState, BackendLink> links = new HashMap<>();
  /** Requests no backend has room for, oldest first; their clients read nothing more meanwhile. */
  private final ArrayDeque<ProxiedRequest> waiting = new ArrayDeque<>();
  private final Map<UpstreamState, Consumer<UpstreamState.StateChange>> downWatches = new HashMap<>();
  /** Forgets the backends the list loses (reload, discovery, admin API): see {@link #listChanged}. */
  private final Consumer<List<UpstreamState>> listWatch;
  private int rotation;
  private boolean dispatching;
  private boolean dispatchAgain;

  BackendPool(Context context, UpstreamGroup group, NetClient netClient, RequestMeters meters, int retries,
              boolean closeWhenDown) {
    this.context = context;
    this.group = group;
    this.netClient = netClient;
    this.meters = meters;
    this.retries = retries;
    this.closeWhenDown = closeWhenDown;
    this.listWatch = list -> context.runOnContext(v -> listChanged(list));
    group.onChange(listWatch);
  }

  Context context() {
    return context;
  }

  NetClient netClient() {
    return netClient;
  }

  RequestMeters meters() {
    return meters;
  }

  /** A new request from a client: sent now, or queued behind those already waiting. */
  void submit(ProxiedRequest request) {
    if (!waiting.isEmpty() || !tryDispatch(request)) {
      waiting.addLast(request);
      request.client.waitStarted();
    }
  }

  /** Sends {@code request} to the best backend with room, or answers it when none is up; false: it must wait. */
  private boolean tryDispatch(ProxiedRequest request) {
    List<BackendLink> eligible = new ArrayList<>();
    List<BackendLink> untried = new ArrayList<>();
    for (UpstreamState upstream : group.upstreams()) {
      BackendLink link = links.computeIfAbsent(upstream, this::link);
      if (link.eligible()) {
        eligible.add(link);
        if (!request.tried.contains(upstream)) {
          untried.add(link);
        }
      }
    }
    if (eligible.isEmpty()) {
      request.client.answerError(request, Status.BUSY, "no backend is up (of " + group.upstreams().size() + ")"
        + (request.lastFailure.isEmpty() ? "" : "; last failure: " + request.lastFailure));
      return true;
    }
    List<BackendLink> candidates = untried.isEmpty() ? eligible : untried;
    BackendLink best = null;
    int start = rotation++ & Integer.MAX_VALUE; // ties go round the backends, not always to the first
    for (int i = 0; i < candidates.size(); i++) {
      BackendLink link = candidates.get((start + i) % candidates.size());
      if (link.hasRoom() && (best == null || link.loadWithOneMore() < best.loadWithOneMore())) {
        best = link;
      }
    }
    if (best == null) {
      return false;
    }
    request.sends++;
    request.tried.add(best.upstream());
    request.client.sentTo(best.upstream());
    best.send(request);
    return true;
  }

  private BackendLink link(UpstreamState upstream) {
    BackendLink link = new BackendLink(upstream, this);
    if (closeWhenDown) { // a hung backend answers nothing: its requests had better go elsewhere now
      Consumer<UpstreamState.StateChange> watch = change -> {
        if (!change.up()) {
          context.runOnContext(v -> link.closeAll("the health checks took it down"));
        }
      };
      upstream.onStateChange(watch);
      downWatches.put(upstream, watch);
    }
    return link;
  }

  /** A backend the list lost gets no more requests; its connections close once its last request is answered. */
  private void listChanged(List<UpstreamState> list) {
    links.values().removeIf(link -> {
      boolean gone = !list.contains(link.upstream());
      if (gone) {
        Consumer<UpstreamState.StateChange> watch = downWatches.remove(link.upstream());
        if (watch != null) {
          link.upstream().removeOnStateChange(watch);
        }
        link.retire();
      }
      return gone;
    });
  }

  /** An answer came: to its client, unless it is {@code BUSY} and the request may be sent elsewhere. */
  void answered(BackendLink link, ProxiedRequest request, Buffer body) {
    if (FrameHeaders.status(body) == Status.BUSY.code() && request.sends <= retries && request.canBeSent()
      && !request.client.closed()) {
      request.lastFailure = link.upstream().upstream().address() + " was busy";
      meters.resent(link.upstream());
      request.client.resent();
      resend(request);
    } else {
      request.client.answer(request, body);
    }
    dispatchWaiting();
  }

  /** A connection broke with {@code requests} in flight: each is sent elsewhere, or answered when out of tries. */
  void lost(BackendLink link, List<ProxiedRequest> requests, String why) {
    String address = link.upstream().upstream().address();
    for (ProxiedRequest request : requests) {
      if (request.client.closed()) {
        continue;
      }
      request.lastFailure = address + ": " + why;
      if (!request.canBeSent()) {
        request.abandon();
        request.client.answerError(request, Status.INTERNAL_ERROR, "its backend failed before answering ("
          + request.lastFailure + ") and it cannot be resent: its frame of " + request.bodySize + " body bytes is "
          + "larger than the " + PoolSizing.CLIENT_RESEND_BUDGET + " bytes the proxy keeps for resends per client, "
          + "and " + request.received() + " of them were relayed already");
      } else if (request.sends > retries) {
        request.client.answerError(request, Status.INTERNAL_ERROR, "no backend answered in " + request.sends
          + " sends (retries " + retries + "; last: " + request.lastFailure + ")");
      } else {
        meters.resent(link.upstream());
        request.client.resent();
        resend(request);
      }
    }
    dispatchWaiting();
  }

  /** A resend goes before the requests waiting: it has waited longest. */
  private void resend(ProxiedRequest request) {
    if (!tryDispatch(request)) {
      waiting.addFirst(request);
      request.client.waitStarted();
    }
  }

  /** Room may have come free: sends waiting requests, oldest first, while a backend has room. */
  void dispatchWaiting() {
    if (dispatching) { // called again from within (an answer let a client send more): the loop below goes on
      dispatchAgain = true;
      return;
    }
    dispatching = true;
    try {
      do {
        dispatchAgain = false;
        while (!waiting.isEmpty()) {
          ProxiedRequest next = waiting.peekFirst();
          if (!next.client.closed() && !tryDispatch(next)) {
            break;
          }
          waiting.pollFirst();
          next.client.waitEnded();
        }
      } while (dispatchAgain);
    } finally {
      dispatching = false;
    }
  }

  /** The instance stops: no more watching the backends' health (its connections close with the proxy's client). */
  void close() {
    group.removeOnChange(listWatch);
    downWatches.forEach((upstream, watch) -> upstream.removeOnStateChange(watch));
    downWatches.clear();
  }
}
